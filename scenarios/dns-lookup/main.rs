// The Rust twin of main.c, std only: ToSocketAddrs, which hands each name to the libc's
// getaddrinfo (hints: any family, SOCK_STREAM, as main.c). The same output format; errors get
// their EAI_ name by matching the message std keeps (gai_strerror's text) against the libc's.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int}; // std::ffi has them only since Rust 1.64
use std::net::{IpAddr, ToSocketAddrs};

extern "C" {
    fn gai_strerror(code: c_int) -> *const c_char;
}

// The codes main.c names, with glibc's (and musl's) values.
const CODES: [(&str, c_int); 7] = [
    ("EAI_NONAME", -2),
    ("EAI_AGAIN", -3),
    ("EAI_FAIL", -4),
    ("EAI_NODATA", -5),
    ("EAI_FAMILY", -6),
    ("EAI_ADDRFAMILY", -9),
    ("EAI_SYSTEM", -11),
];

fn gai_name(message: &str) -> &'static str {
    for (name, code) in CODES {
        // SAFETY: gai_strerror returns a static NUL-terminated string for any code
        let text = unsafe { CStr::from_ptr(gai_strerror(code)) }.to_string_lossy();
        if message.ends_with(text.as_ref()) {
            return name;
        }
    }
    "EAI_OTHER"
}

fn lookup(name: &str) {
    match (name, 0).to_socket_addrs() {
        Err(e) => {
            let message = e.to_string();
            let detail = message.strip_prefix("failed to lookup address information: ").unwrap_or(&message);
            println!("{}: error {} ({})", name, gai_name(detail), detail);
        }
        Ok(found) => {
            let mut addresses: Vec<IpAddr> = found.map(|a| a.ip()).collect();
            addresses.sort(); // IPv4 first, then by value: the order main.c prints
            let suffix = if addresses.len() == 1 { "" } else { "es" };
            println!("{}: {} address{}", name, addresses.len(), suffix);
            for a in addresses {
                println!("  {}", a);
            }
        }
    }
}

fn main() {
    for name in std::env::args().skip(1) {
        lookup(&name);
    }
}
