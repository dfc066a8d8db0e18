//! The multi-agent terminal app. For now it only reports its version.

fn main() {
    println!("perdix-tui {}", env!("CARGO_PKG_VERSION"));
}
