use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{self, Read};

fn main() {
    let mut s = String::new();
    io::stdin().read_to_string(&mut s).unwrap();
    let mut it = s.split_ascii_whitespace().map(|x| x.parse::<i64>().unwrap());
    let n = it.next().unwrap() as usize;
    let xs: Vec<i64> = it.take(n).collect();
    let mut d: Vec<u32> = vec![1];
    for k in 2..=100u32 {
        let mut carry = 0;
        for v in d.iter_mut() { let t = *v * k + carry; *v = t % 10; carry = t / 10; }
        while carry > 0 { d.push(carry % 10); carry /= 10; }
    }
    let big: String = d.iter().rev().map(|v| char::from(b'0' + *v as u8)).collect();
    let h = std::thread::spawn(|| 1); h.join().unwrap();
    let _m: HashMap<i64, i64> = HashMap::new(); let _b: BTreeMap<i64, i64> = BTreeMap::new();
    let _s: HashSet<i64> = HashSet::new(); let _q: VecDeque<i64> = VecDeque::new();
    println!("sum={} big={} ok", xs.iter().sum::<i64>(), big);
}
