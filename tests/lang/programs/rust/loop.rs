fn main() { let mut x: u64 = 0; loop { x = x.wrapping_add(1); if x == u64::MAX { println!("{}", x); } } }
