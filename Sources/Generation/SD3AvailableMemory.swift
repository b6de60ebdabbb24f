import Foundation
import FlowCore
#if canImport(Glibc)
import Glibc
#endif

/// The memory this process can still use: `/proc/meminfo`'s `MemAvailable`, lowered to what the
/// cgroup allows (v2 `memory.max` − `memory.current`; v1 `memory.limit_in_bytes` −
/// `memory.usage_in_bytes`) when a limit is set. Nil when none of it can be read (not Linux).
public enum SD3AvailableMemory {
    /// The bytes available now.
    public static func bytes(root: URL = URL(fileURLWithPath: "/")) -> Int? {
        let meminfo = read(root, "proc/meminfo").flatMap(memAvailable)
        let cgroup = cgroupRoom(root)
        switch (meminfo, cgroup) {
        case let (a?, b?): return min(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    /// `MemAvailable:  12345 kB` → bytes.
    static func memAvailable(_ text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kB = Int(fields[1]) else { return nil }
            return kB * 1024
        }
        return nil
    }

    /// The cgroup limit minus the usage, or nil when there is no limit.
    static func cgroupRoom(_ root: URL) -> Int? {
        func number(_ path: String) -> Int? {
            read(root, path).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        if let limit = number("sys/fs/cgroup/memory.max") {  // "max" (no limit) does not parse
            return max(0, limit - (number("sys/fs/cgroup/memory.current") ?? 0))
        }
        // cgroup v1 writes a huge number (about 2^63) for "no limit".
        if let limit = number("sys/fs/cgroup/memory/memory.limit_in_bytes"), limit < 1 << 60 {
            return max(0, limit - (number("sys/fs/cgroup/memory/memory.usage_in_bytes") ?? 0))
        }
        return nil
    }

    /// A small text file such as /proc/meminfo, whose size `stat` reports as 0, opened through
    /// `ReadableFile` (regular files only) and read until its end (at most 1 MB).
    static func read(_ root: URL, _ path: String) -> String? {
        guard let file = try? ReadableFile(root.appendingPathComponent(path), expected: "a system memory file") else { return nil }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while bytes.count < 1 << 20 {
            let got = buffer.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            bytes += buffer[0..<got]
        }
        return String(bytes: bytes, encoding: .utf8)
    }
}
