import java.util.ArrayList;
public class Main { public static void main(String[] args) { ArrayList<byte[]> keep = new ArrayList<>(); for (;;) { byte[] b = new byte[1 << 20]; for (int i = 0; i < b.length; i += 4096) b[i] = 1; keep.add(b); } } }
