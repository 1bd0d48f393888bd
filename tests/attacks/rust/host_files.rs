// SPDX-License-Identifier: MIT
// attack: the host's files through /proc/1/root, and writing into the host's directory
// expect: OK
// expect-default: OK
use std::collections::HashMap;
use std::fs;
use std::io::Read;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let p: HashMap<&str, &str> = input.lines().filter_map(|l| l.split_once('=')).collect();
    let secret = p["secret_path"];
    for path in [format!("/proc/1/root{}", secret), format!("/proc/self/root/../..{}", secret), secret.to_string()] {
        match fs::read_to_string(&path) {
            Ok(s) => println!("read {}: {}", path, s), // the host checks no secret shows up
            Err(e) => println!("HELD: read {} ({})", path, e),
        }
    }
    let dir = std::path::Path::new(p["canary_path"]).parent().unwrap().display().to_string();
    for path in [format!("/proc/1/root{}/pwned", dir), format!("/proc/1/root{}", p["canary_path"])] {
        match fs::OpenOptions::new().write(true).create(true).open(&path) {
            Ok(_) => println!("BROKEN: open {} for writing", path),
            Err(e) => println!("HELD: open {} for writing ({})", path, e),
        }
    }
    println!("attack over");
}
