// A syscall no C# program needs: the csharp profile kills it.
using System;
using System.Runtime.InteropServices;

public class Program {
    [DllImport("libc", SetLastError = true)]
    static extern int chroot(string path);

    public static void Main() {
        Console.WriteLine("calling chroot");
        Console.Out.Flush();
        chroot("/");
        Console.WriteLine("still alive");
    }
}
