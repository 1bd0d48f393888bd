// SPDX-License-Identifier: MIT
// attack: the host's files through /proc/1/root, other processes' environment, overwriting mono
// expect: OK
// expect-default: OK
// host: image
using System;
using System.Collections.Generic;
using System.IO;

class Program
{
    static void Main()
    {
        var p = Attack.Params();
        string secret = p["secret_path"];
        foreach (var path in new[] { "/proc/1/root" + secret, "/proc/self/root/../.." + secret, secret })
        {
            try { Console.WriteLine("read " + path + ": " + File.ReadAllText(path)); }
            catch (Exception e) { Attack.Verdict(true, "read " + path, e.GetType().Name); }
        }
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            try { Console.WriteLine(dir + " environ: " + File.ReadAllText(dir + "/environ").Replace('\0', ' ')); }
            catch (Exception e) { Attack.Verdict(true, "read " + dir + "/environ", e.GetType().Name); }
        }
        string pwned = "/proc/1/root" + Path.GetDirectoryName(p["canary_path"]) + "/pwned";
        foreach (var path in new[] { pwned, "/proc/1/root" + p["canary_path"], "/usr/bin/mono", "/usr/lib/mono/4.5/mscorlib.dll",
                                     "/proc/self/exe" })
        {
            try
            {
                using (var f = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write))
                    Attack.Verdict(false, "open " + path + " for writing", "");
            }
            catch (Exception e) { Attack.Verdict(true, "open " + path + " for writing", e.GetType().Name); }
        }
        Console.WriteLine("attack over");
    }
}

static class Attack
{
    public static Dictionary<string, string> Params()
    {
        var m = new Dictionary<string, string>();
        string l;
        while ((l = Console.In.ReadLine()) != null)
            if (l.Contains("="))
                m[l.Substring(0, l.IndexOf("="))] = l.Substring(l.IndexOf("=") + 1);
        return m;
    }

    public static void Verdict(bool failed, string what, string err)
    {
        Console.WriteLine(failed ? "HELD: " + what + " (" + err + ")" : "BROKEN: " + what);
    }
}
