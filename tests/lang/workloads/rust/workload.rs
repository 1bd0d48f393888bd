// Threads, a scratch file in /tmp, clocks, sorting, collections, a big
// allocation, stdin to the end, some output (see workload.c).
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::{fs, thread, time};

fn main() {
    let handles: Vec<_> = (0..4)
        .map(|_| thread::spawn(|| (0..1_000_000u64).map(|k| k % 7).sum::<u64>()))
        .collect();
    let r: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    fs::write("/tmp/workload.txt", r[0].to_string()).unwrap();
    assert_eq!(fs::read_to_string("/tmp/workload.txt").unwrap(), r[0].to_string());
    fs::remove_file("/tmp/workload.txt").unwrap();
    let t0 = time::Instant::now();
    thread::sleep(time::Duration::from_millis(1));
    let mut seed = t0.elapsed().as_nanos() as u64 | 1;
    let mut xs: Vec<u64> = (0..100_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        })
        .collect();
    xs.sort();
    let mut h: HashMap<u64, u32> = HashMap::new();
    let mut b: BTreeMap<u64, u32> = BTreeMap::new();
    for x in &xs[..1000] {
        *h.entry(x % 97).or_insert(0) += 1;
        *b.entry(x % 89).or_insert(0) += 1;
    }
    let big = vec![1u8; 64 << 20];
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).unwrap();
    let lines = input.matches('\n').count();
    let out = io::stdout();
    let mut w = io::BufWriter::new(out.lock());
    for i in 0..300 {
        writeln!(w, "line {} {:.3}", i, (i as f64).sqrt()).unwrap();
    }
    writeln!(w, "stdin lines {}\nworkload ok", lines).unwrap();
    assert!(big.len() > h.len() + b.len());
}
