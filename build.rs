//! Build-time configuration. This script only prints directives, so it cannot fail a build.

fn main() {
    // The false-sharing granule of the target: 128 bytes on aarch64 (Apple and Neoverse
    // cores prefetch line pairs), 64 elsewhere.
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let cache_line = match arch.as_str() {
        "aarch64" | "powerpc64" => 128,
        _ => 64,
    };
    println!("cargo:rustc-env=PERDIX_CACHE_LINE_BYTES={cache_line}");
    println!("cargo:rerun-if-changed=build.rs");
}
