// Threads and an executor, a scratch file in /tmp, clocks, randomness,
// sorting, big numbers, a big allocation, stdin to the end, some output
// (see workload.c).
import java.io.*;
import java.math.BigInteger;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;

public class Main {
    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> fs = new ArrayList<>();
        for (int i = 0; i < 4; i++)
            fs.add(pool.submit(() -> { long s = 0; for (long k = 0; k < 1000000; k++) s += k % 7; return s; }));
        long r0 = fs.get(0).get();
        pool.shutdown();
        Path p = Paths.get("/tmp/workload.txt");
        Files.write(p, Long.toString(r0).getBytes());
        if (Long.parseLong(new String(Files.readAllBytes(p))) != r0) System.exit(1);
        Files.delete(p);
        System.nanoTime();
        Thread.sleep(1);
        Random rnd = new Random(new java.security.SecureRandom().nextLong());
        int[] xs = new int[100000];
        for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextInt();
        Arrays.sort(xs);
        BigInteger f = BigInteger.ONE;
        for (int i = 1; i <= 100; i++) f = f.multiply(BigInteger.valueOf(i));
        byte[] big = new byte[64 << 20];
        Arrays.fill(big, (byte) 1);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int lines = 0;
        while (in.readLine() != null) lines++;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 300; i++) out.append(String.format("line %d %.3f%n", i, Math.sqrt(i)));
        out.append("stdin lines ").append(lines).append("\nworkload ok\n");
        System.out.print(out);
        System.out.flush();
    }
}
