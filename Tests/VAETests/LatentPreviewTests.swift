import FlowCore
import Testing
@testable import VAE

@Suite struct LatentPreviewTests {
    @Test func zeroLatentShowsTheBias() {
        let image = LatentPreview.sd3(Tensor(zeros: [16, 2, 3]))
        #expect(image.width == 3 && image.height == 2)
        // (b + 1) / 2 · 255: 0.2394 → 158.02, 0.2135 → 154.72, 0.1925 → 152.04
        #expect(image[x: 2, y: 1] == RGB(158, 155, 152))
    }

    @Test func oneChannelAddsItsRowOfFactors() {
        var latent = Tensor(zeros: [16, 1, 2])
        latent[2, 0, 1] = 1     // channel 2: F[2] = (0.1994, 0.0927, 0.0458)
        latent[15, 0, 0] = -10  // channel 15: F[15] = (-0.1448, -0.1463, -0.1189) · −10 → clamps to 1
        let image = LatentPreview.sd3(latent)
        // (0.4388, 0.3062, 0.2383) → 183.45, 166.54, 157.88
        #expect(image[x: 1, y: 0] == RGB(183, 167, 158))
        #expect(image[x: 0, y: 0] == RGB(255, 255, 255))
    }

    @Test func pixelSpaceIsTheIdentityMap() throws {
        let sample = Tensor(shape: [3, 1, 1], scalars: [-1, 0, 1])
        #expect(try LatentPreview.image(for: sample)[x: 0, y: 0] == RGB(0, 128, 255))
        #expect(throws: LatentPreviewError.unsupportedShape([4, 2, 2])) {
            try LatentPreview.image(for: Tensor(zeros: [4, 2, 2]))
        }
    }
}
