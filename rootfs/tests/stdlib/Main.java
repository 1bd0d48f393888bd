import java.math.BigInteger;
import java.util.*;
import java.util.stream.*;

public class Main {
    public static void main(String[] args) {
        Scanner sc = new Scanner(System.in);
        int n = sc.nextInt();
        List<Integer> xs = new ArrayList<>();
        for (int i = 0; i < n; i++) xs.add(sc.nextInt());
        BigInteger f = BigInteger.ONE;
        for (int i = 1; i <= 100; i++) f = f.multiply(BigInteger.valueOf(i));
        Map<Integer, Long> m = xs.stream().collect(Collectors.groupingBy(x -> x, Collectors.counting()));
        Thread t = new Thread(() -> {}); t.start();
        try { t.join(); } catch (InterruptedException e) { }
        System.out.println("sum=" + xs.stream().mapToInt(Integer::intValue).sum() + " big=" + f + " ok");
    }
}
