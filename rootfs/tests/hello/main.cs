using System;

public class Program {
    public static void Main() {
        string name = Console.ReadLine().Trim();
        Console.WriteLine("Hello, " + name + "!");
    }
}
