/// One tensor's entry in a GGUF file, checked: its dimensions, block type and where its bytes lie.
///
/// GGUF lists dimensions innermost first (ggml's `ne[0]` is the row length); `shape` is the
/// same tensor in PyTorch's order (outermost first), as its checkpoint key expects: a Linear
/// weight stored as ne = [in, out] has shape [out, in].
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name as stored (`joint_blocks.0.x_block.attn.qkv.weight`).
    public let name: String
    /// ggml's `ne`, innermost first.
    public let dimensions: [Int]
    /// PyTorch's shape: `dimensions` reversed, or the `comfy.gguf.orig_shape.NAME` metadata when
    /// ComfyUI-GGUF's converter reshaped the tensor to quantize it.
    public let shape: [Int]
    /// How the elements are stored.
    public let type: GGUFBlockType
    /// The element count (the product of the dimensions).
    public let elementCount: Int
    /// The bytes of data: elementCount / blockSize · bytesPerBlock.
    public let byteCount: Int
    /// Where the bytes start, from the start of the file.
    public let fileOffset: Int
}
