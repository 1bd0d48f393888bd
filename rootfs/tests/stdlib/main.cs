using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text;
using System.Threading.Tasks;

public class Program {
    public static void Main() {
        int n = int.Parse(Console.ReadLine());
        var xs = Console.ReadLine().Split(' ').Select(int.Parse).ToList();
        BigInteger f = BigInteger.One;
        for (int i = 1; i <= 100; i++) f *= i;
        var d = new Dictionary<int, int>(); var sb = new StringBuilder();
        Task.Run(() => 1).Wait();
        Console.WriteLine("sum=" + xs.Take(n).Sum() + " big=" + f + " ok");
    }
}
