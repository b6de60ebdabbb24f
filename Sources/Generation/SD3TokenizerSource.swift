import Foundation
import TextEncoders

/// Where a CLIP tokenizer comes from. The existing `CLIPTokenizer` loaders open it.
public enum SD3CLIPTokenizerSource: Sendable, Equatable {
    /// A tokenizer folder (`vocab.json` + `merges.txt`, or `tokenizer.json`); its pad token is
    /// what its `tokenizer_config.json` / `special_tokens_map.json` say (`CLIPTokenizer(directory:)`
    /// reads them: the published SD3 repos pad `tokenizer/` with `<|endoftext|>`, `tokenizer_2/` with `!`).
    case directory(URL)
    /// The CLIP vocabulary bundled with FlowStudio, padded with `padToken` (for single files that
    /// come without tokenizer files: `<|endoftext|>` for CLIP-L, `!` for CLIP-G, as the published repos pad).
    case bundled(padToken: String)

    /// Opens the tokenizer.
    public func load() throws -> CLIPTokenizer {
        switch self {
        case .directory(let url): try CLIPTokenizer(directory: url)
        case .bundled(let padToken): try CLIPTokenizer.bundled(padToken: padToken)
        }
    }
}

/// Where the T5 tokenizer comes from (FlowStudio bundles none: it must come with the model or `--tokenizers`).
public enum SD3T5TokenizerSource: Sendable, Equatable {
    /// SentencePiece `spiece.model` (the published repos).
    case sentencePiece(URL)
    /// transformers' `tokenizer.json` (what transformers 5 writes).
    case tokenizerJSON(URL)

    /// Opens the tokenizer.
    public func load() throws -> T5Tokenizer {
        switch self {
        case .sentencePiece(let url): try T5Tokenizer(sentencePieceModel: url)
        case .tokenizerJSON(let url): try T5Tokenizer(tokenizerJSON: url)
        }
    }

    /// The file.
    public var url: URL {
        switch self {
        case .sentencePiece(let url), .tokenizerJSON(let url): url
        }
    }
}

/// The three tokenizers of an SD3 model.
public struct SD3Tokenizers: Sendable, Equatable {
    /// For CLIP-L (diffusers `tokenizer/`).
    public var clipL: SD3CLIPTokenizerSource
    /// For CLIP-G (diffusers `tokenizer_2/`).
    public var clipG: SD3CLIPTokenizerSource
    /// For T5-XXL (diffusers `tokenizer_3/`); nil when there are no T5 weights.
    public var t5: SD3T5TokenizerSource?

    public init(clipL: SD3CLIPTokenizerSource, clipG: SD3CLIPTokenizerSource, t5: SD3T5TokenizerSource?) {
        self.clipL = clipL
        self.clipG = clipG
        self.t5 = t5
    }

    /// The pad token the published SD3 repos give each CLIP tokenizer.
    public static let clipLPadToken = "<|endoftext|>"
    public static let clipGPadToken = "!"
}
