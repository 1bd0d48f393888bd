// Tasks and Parallel.For, a scratch file in /tmp, clocks, randomness,
// sorting, big numbers, a big allocation, stdin to the end, some output
// (see workload.c).
using System;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

public class Program {
    public static void Main() {
        var tasks = Enumerable.Range(0, 4).Select(i => Task.Run(() => { long s = 0; for (long k = 0; k < 1000000; k++) s += k % 7; return s; })).ToArray();
        Task.WaitAll(tasks);
        long[] sums = new long[4];
        Parallel.For(0, 4, i => { sums[i] = i; });
        File.WriteAllText("/tmp/workload.txt", tasks[0].Result.ToString());
        if (long.Parse(File.ReadAllText("/tmp/workload.txt")) != tasks[0].Result) Environment.Exit(1);
        File.Delete("/tmp/workload.txt");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Thread.Sleep(1);
        var rnd = new Random(Guid.NewGuid().GetHashCode());
        int[] xs = new int[100000];
        for (int i = 0; i < xs.Length; i++) xs[i] = rnd.Next();
        Array.Sort(xs);
        BigInteger f = BigInteger.One;
        for (int i = 1; i <= 100; i++) f *= i;
        byte[] big = new byte[64 << 20];
        for (int i = 0; i < big.Length; i += 4096) big[i] = 1;
        int lines = 0;
        while (Console.In.ReadLine() != null) lines++;
        var out_ = new StringBuilder();
        for (int i = 0; i < 300; i++) out_.AppendFormat("line {0} {1:F3}\n", i, Math.Sqrt(i));
        out_.Append("stdin lines ").Append(lines).Append("\nworkload ok\n");
        Console.Write(out_.ToString());
        sw.Stop();
    }
}
