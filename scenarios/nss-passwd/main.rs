// The Rust twin of main.c, std only: getpwnam and getgrnam declared in an extern "C" block, as
// a crate like `users` or `nix` does. Built with +crt-static on the gnu target (rust-gnu-static),
// the libc calls go to static glibc, which still dlopens NSS modules: the same second libc.
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int}; // std::ffi has them only since Rust 1.64
use std::io::Error;

#[repr(C)]
struct Passwd {
    name: *const c_char,
    passwd: *const c_char,
    uid: u32,
    gid: u32,
    gecos: *const c_char,
    dir: *const c_char,
    shell: *const c_char,
}

#[repr(C)]
struct Group {
    name: *const c_char,
    passwd: *const c_char,
    gid: u32,
    members: *const *const c_char,
}

extern "C" {
    fn getpwnam(name: *const c_char) -> *const Passwd;
    fn getgrnam(name: *const c_char) -> *const Group;
    fn __errno_location() -> *mut c_int;
}

fn text(p: *const c_char) -> String {
    // SAFETY: libc hands back NUL-terminated strings that live until the next lookup
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn clear_errno() {
    // SAFETY: the calling thread's errno, as the C program's `errno = 0`
    unsafe { *__errno_location() = 0 }
}

fn errno() -> i32 {
    Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn lookup_user(name: &str) {
    let c_name = CString::new(name).expect("argument without NUL");
    clear_errno();
    // SAFETY: a valid C string; the result is read before the next call
    let pw = unsafe { getpwnam(c_name.as_ptr()) };
    if pw.is_null() {
        println!("user {}: not found (errno {})", name, errno());
        return;
    }
    // SAFETY: not null, a struct passwd owned by libc
    let pw = unsafe { &*pw };
    println!("user {}: uid={} gid={} home={} shell={}", text(pw.name), pw.uid, pw.gid, text(pw.dir), text(pw.shell));
}

fn lookup_group(name: &str) {
    let c_name = CString::new(name).expect("argument without NUL");
    clear_errno();
    // SAFETY: as in lookup_user
    let gr = unsafe { getgrnam(c_name.as_ptr()) };
    if gr.is_null() {
        println!("group {}: not found (errno {})", name, errno());
        return;
    }
    // SAFETY: not null, a struct group owned by libc with a NULL-terminated member list
    let gr = unsafe { &*gr };
    let mut members = Vec::new();
    let mut m = gr.members;
    // SAFETY: walks the NULL-terminated array libc returned
    unsafe {
        while !(*m).is_null() {
            members.push(text(*m));
            m = m.add(1);
        }
    }
    println!("group {}: gid={} members={}", text(gr.name), gr.gid, members.join(","));
}

fn main() {
    for arg in std::env::args().skip(1) {
        if let Some(name) = arg.strip_prefix("user:") {
            lookup_user(name);
        } else if let Some(name) = arg.strip_prefix("group:") {
            lookup_group(name);
        } else {
            eprintln!("usage: nss-passwd user:NAME|group:NAME...");
            std::process::exit(2);
        }
    }
}
