fn main() { panic!("something broke"); }
