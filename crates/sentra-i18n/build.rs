// The translation catalogues are compiled in by a macro; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
