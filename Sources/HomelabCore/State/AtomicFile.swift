import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Small POSIX helpers for files that must survive a crash at any instant.
enum AtomicFile {
    /// Replaces `path` with `data`: write a temp file (mode 0600) beside it, fsync it, rename it
    /// over `path`, fsync the directory. A reader sees the old file or the new one, never a mix.
    static func write(_ data: Data, to path: String, mode: mode_t = 0o600) throws(StateError) {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temp = (directory.isEmpty ? "." : directory) + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: temp, operation: "create", errno: errno) }
        do throws(StateError) {
            try writeAll(fd, data, path: temp)
            guard fsync(fd) == 0 else { throw StateError.io(path: temp, operation: "fsync", errno: errno) }
            close(fd)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        guard rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw .io(path: path, operation: "rename over", errno: code)
        }
        try syncDirectory(of: path)
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws(StateError) {
        let failure: Int32? = data.withUnsafeBytes { buffer -> Int32? in
            guard let base = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        if let failure { throw .io(path: path, operation: "write", errno: failure) }
    }

    static func syncDirectory(of path: String) throws(StateError) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: directory, operation: "open directory", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: directory, operation: "fsync directory", errno: errno) }
    }

    static func read(_ path: String) throws(StateError) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(path: path, operation: "read", errno: errno == 0 ? EACCES : errno)
        }
        return data
    }
}

/// Where a path that may be a symbolic link really leads (the link itself is kept, and written through).
enum SymbolicLink {
    static func resolve(_ path: String) throws(StateError) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            guard length > 0 else { throw .io(path: current, operation: "read the link", errno: errno) }
            let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current =
                target.hasPrefix("/")
                ? target : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target)
        }
        throw .io(path: path, operation: "resolve", errno: ELOOP)
    }
}
