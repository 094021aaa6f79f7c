#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Same seed, same bytes: the benchmark is reproducible from its command line.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use cashapply_synth::{GenerateOptions, Profile, generate};

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.insert(p.strip_prefix(dir).unwrap().display().to_string(), fs::read(&p).unwrap());
            }
        }
    }
    files
}

fn run(seed: u64, profile: Profile) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions { seed, profile, customers: 12, invoices: 500, receipts: 160 };
    generate(&opts, dir.path()).unwrap();
    snapshot(dir.path())
}

#[test]
fn the_same_seed_writes_byte_identical_files_for_every_profile() {
    for p in [Profile::Easy, Profile::Medium, Profile::Hard, Profile::Wild] {
        let a = run(42, p);
        let b = run(42, p);
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{p}");
        for (name, bytes) in &a {
            assert!(bytes == &b[name], "{p}: {name} differs between two runs");
        }
        assert!(a.len() >= 5, "{p}: {:?}", a.keys());
    }
}

#[test]
fn a_different_seed_writes_a_different_benchmark() {
    assert_ne!(run(1, Profile::Hard)["truth.json"], run(2, Profile::Hard)["truth.json"]);
}
