import CPNG
import FlowCore
import Foundation

extension PNG {
    /// `image` as the bytes of an 8-bit RGB PNG (no text chunks), for sending to a terminal
    /// (kitty's `f=100`, iTerm2's inline images). libpng writes into an unlinked temporary file,
    /// which is then read back; nothing is left on disk.
    public static func encoded(_ image: RGBImage) throws -> [UInt8] {
        let what = "(in memory)"
        guard image.width > 0, image.height > 0 else {
            throw PNGError.invalidImage(path: what, reason: "the image has zero width or height")
        }
        guard let file = tmpfile() else {
            throw PNGError.cannotWrite(path: what, reason: "no temporary file: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let fd = fileno(file)
        var message = [CChar](repeating: 0, count: 512)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            cpng_write_rgb_fd(fd, pixels.baseAddress, UInt32(image.width), UInt32(image.height), nil, 0, &message, message.count)
        }
        try PNGError.check(writeStatus: status, message: message, path: what)
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw PNGError.cannotWrite(path: what, reason: "the temporary file cannot be read back")
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw PNGError.cannotWrite(path: what, reason: "the temporary file cannot be read back")
            }
        }
        return bytes
    }
}
