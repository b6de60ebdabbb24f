/// A problem reading a GGUF file. The description names the file, says what is wrong and, where
/// it can, what to do.
public struct GGUFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened, inspected or mapped (the system's message).
        case cannotRead(reason: String)
        /// The path names a FIFO, a device, a directory… rather than a file.
        case notAFile(FileType)
        /// The file does not start with the four bytes "GGUF".
        case badMagic(found: [UInt8])
        /// A GGUF version FlowStudio does not read (it reads 2 and 3); `bigEndian` when the
        /// version only makes sense byte-swapped.
        case unsupportedVersion(UInt32, bigEndian: Bool)
        /// A field (`what`) needs `need` bytes at `offset` but the file ends at `fileSize`.
        case truncated(what: String, offset: Int, need: UInt64, fileSize: Int)
        /// A count (`what`: "tensor count", …) larger than the rest of the file could hold.
        case countTooLarge(what: String, count: UInt64, limit: Int)
        /// A tensor name or metadata key is not UTF-8, or longer than `GGUFHeader.maximumNameByteCount`.
        case invalidName(what: String, reason: String)
        /// A metadata value has a type number GGUF does not define.
        case unknownValueType(key: String, type: UInt32)
        /// Arrays nested deeper than `GGUFHeader.maximumArrayDepth`.
        case arrayTooDeep(key: String)
        /// A metadata key or tensor name appears twice.
        case duplicate(what: String, name: String)
        /// `general.alignment` is not a power of two of at most 2^20, or not a uint32.
        case badAlignment(String)
        /// A tensor has more than 4 dimensions (ggml's limit).
        case tooManyDimensions(name: String, count: UInt32)
        /// A tensor's dimensions, element count or byte count overflow.
        case dimensionsTooLarge(name: String, dimensions: [UInt64])
        /// A tensor's block type number is none of ggml's.
        case unknownBlockType(name: String, type: UInt32)
        /// The first (innermost) dimension is not a whole number of blocks.
        case partialBlock(name: String, type: GGUFBlockType, firstDimension: Int)
        /// A tensor's data offset is not a multiple of the file's alignment.
        case misalignedOffset(name: String, offset: UInt64, alignment: Int)
        /// A tensor's data runs past the end of the file.
        case dataPastEnd(name: String, begin: UInt64, byteCount: Int, fileSize: Int)
        /// Tensors of block types FlowStudio does not read: each type, how many tensors, one name.
        case unsupportedBlockTypes([UnsupportedTensors])
        /// `comfy.gguf.orig_shape.NAME` is not a list of sizes with the tensor's element count.
        case badOriginalShape(name: String, reason: String)
        /// A tensor was asked for that the file does not hold.
        case tensorNotFound(name: String, total: Int)
    }

    /// Tensors of one unsupported block type.
    public struct UnsupportedTensors: Sendable, Equatable {
        public let type: GGUFBlockType
        public let count: Int
        public let example: String
    }

    /// The file read.
    public let path: String
    /// What went wrong.
    public let kind: Kind

    public init(_ kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }

    /// The error for a file `ReadableFile` could not open or read.
    init(_ error: FileReadError) {
        switch error.reason {
        case .cannotOpen(let why), .readFailed(let why): self.init(.cannotRead(reason: why), path: error.path)
        case .notAFile(let type): self.init(.notAFile(type), path: error.path)
        case .tooLarge, .notUTF8: self.init(.cannotRead(reason: error.description), path: error.path)
        }
    }

    public var description: String {
        let file = "GGUF file \(path)"
        let damaged = "The file is damaged or truncated (download it again)."
        switch kind {
        case .cannotRead(let reason):
            return "\(file): cannot read it: \(reason)."
        case .notAFile(let type):
            return "\(path) is \(type.name), not a file; give a GGUF file."
        case .badMagic(let found):
            let shown = found.map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            return "\(path) is not a GGUF file: it starts with \"\(shown)\", not \"GGUF\"."
        case .unsupportedVersion(let version, let bigEndian):
            if bigEndian {
                return "\(file) is a big-endian GGUF file (version \(version.byteSwapped)), which FlowStudio does not read; "
                    + "convert it again on a little-endian machine."
            }
            return "\(file) has GGUF version \(version); FlowStudio reads versions 2 and 3"
                + (version == 1 ? " (version 1 is obsolete: convert the model again)." : ".")
        case .truncated(let what, let offset, let need, let fileSize):
            return "\(file): the \(what) at byte \(offset) needs \(need) bytes, but the file ends at byte \(fileSize). \(damaged)"
        case .countTooLarge(let what, let count, let limit):
            return "\(file): the \(what) says \(count), more than the rest of the file could hold (at most \(limit)). \(damaged)"
        case .invalidName(let what, let reason):
            return "\(file): \(what) \(reason). \(damaged)"
        case .unknownValueType(let key, let type):
            return "\(file): metadata \"\(key)\" has value type \(type), which GGUF does not define (0–12). \(damaged)"
        case .arrayTooDeep(let key):
            return "\(file): metadata \"\(key)\" nests arrays more than \(GGUFHeader.maximumArrayDepth) deep. \(damaged)"
        case .duplicate(let what, let name):
            return "\(file): the \(what) \"\(name)\" appears twice. \(damaged)"
        case .badAlignment(let value):
            return "\(file): general.alignment is \(value); it must be a uint32 power of two (usually 32). \(damaged)"
        case .tooManyDimensions(let name, let count):
            return "\(file): tensor \"\(name)\" has \(count) dimensions; GGUF tensors have at most 4. \(damaged)"
        case .dimensionsTooLarge(let name, let dimensions):
            return "\(file): tensor \"\(name)\" has dimensions \(dimensions) (innermost first), whose element or byte count "
                + "overflows. \(damaged)"
        case .unknownBlockType(let name, let type):
            return "\(file): tensor \"\(name)\" has block type \(type), which is none of ggml's. The file is damaged or "
                + "was written by a newer tool; FlowStudio reads \(GGUFBlockType.supportedList)."
        case .partialBlock(let name, let type, let first):
            return "\(file): tensor \"\(name)\" is \(type.name), whose blocks hold \(type.blockSize) values, but its rows "
                + "have \(first). \(damaged)"
        case .misalignedOffset(let name, let offset, let alignment):
            return "\(file): tensor \"\(name)\" starts at data offset \(offset), not a multiple of the file's alignment "
                + "\(alignment). \(damaged)"
        case .dataPastEnd(let name, let begin, let byteCount, let fileSize):
            return "\(file): tensor \"\(name)\" has \(byteCount) bytes at file offset \(begin), past the end of the "
                + "\(fileSize)-byte file. \(damaged)"
        case .unsupportedBlockTypes(let groups):
            let list = groups.map { "\($0.type.name) (\($0.count) tensor\($0.count == 1 ? "" : "s"), e.g. \"\($0.example)\")" }
            let verb = groups.count == 1 ? "is" : "are"
            return "\(file): \(list.joined(separator: ", ")) \(verb) not supported; re-quantize to Q8_0 or Q4_0 "
                + "(FlowStudio reads \(GGUFBlockType.supportedList))."
        case .badOriginalShape(let name, let reason):
            return "\(file): comfy.gguf.orig_shape.\(name) \(reason). \(damaged)"
        case .tensorNotFound(let name, let total):
            return "\(file): no tensor named \"\(name)\" (it holds \(total))."
        }
    }
}
