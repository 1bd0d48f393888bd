// SPDX-License-Identifier: MIT
// attack: connect to the host's loopback listener and abstract unix socket
// expect: SECCOMP_VIOLATION
// expect-default: OK
// host: listener
using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;

class Program
{
    static void Main()
    {
        var p = Attack.Params();
        int port = int.Parse(p["port"]);
        Console.WriteLine("trying: sockets (the csharp profile kills an AF_INET or AF_INET6 socket)");
        foreach (var host in new[] { "127.0.0.1", "::1" })
        {
            try
            {
                using (var c = new TcpClient(host.Contains(":") ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork))
                {
                    c.Connect(IPAddress.Parse(host), port);
                    Attack.Verdict(false, "connect to " + host, "");
                }
            }
            catch (SocketException e)
            {
                Attack.Verdict(true, "connect to " + host, e.SocketErrorCode.ToString());
            }
        }
        try
        {
            using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                s.Connect(new UnixDomainSocketEndPoint("\0" + p["abstract"]));
                Attack.Verdict(false, "connect to the host's abstract socket", "");
            }
        }
        catch (SocketException e)
        {
            Attack.Verdict(true, "connect to the host's abstract socket", e.SocketErrorCode.ToString());
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
