//! Readings from /proc: a process's CPU time and memory, the machine's stolen time, and what
//! else is running.

/// This process's RSS once the allocator has handed freed pages back to the system. mimalloc
/// does that by itself a second after they were freed (its purge delay), on its next call; a
/// reading taken at once would count the flow loader's freed scratch memory as sessions.
pub fn settled_rss_kb() -> u64 {
    // SAFETY: mi_collect only walks and purges mimalloc's own heaps; it takes no pointers.
    unsafe { libmimalloc_sys::mi_collect(true) };
    status_kb(std::process::id(), "VmRSS:")
}

/// A `kB` field of /proc/PID/status (`VmHWM:`, `VmRSS:`), 0 if unreadable.
pub fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// utime + stime of a process and its threads, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime is field 14, stime 15.
    let get = |i: usize| f.get(i - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(14) + get(15)
}

pub fn clock_ticks_per_sec() -> f64 {
    // USER_HZ is 100 on every Linux this runs on.
    100.0
}

/// The machine's CPU time in all and the part of it stolen by the hypervisor, in clock ticks,
/// from the first line of /proc/stat (`cpu user nice system idle iowait irq softirq steal ...`).
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).take(8).map(|v| v.parse().ok()).collect::<Option<_>>()?;
    let steal = *fields.get(7)?;
    Some((fields.iter().sum(), steal))
}

/// Processes whose name is `name` (for noting concurrent compiles).
pub fn count_processes(name: &str) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0 };
    dir.filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter(|e| std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .count()
}
