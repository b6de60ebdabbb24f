import Foundation
import FlowCore
import Imaging
import Studio

/// Draws pictures in this terminal for `--show` (generate, study), each after its caption line
/// if it has one, with the protocol `preview` names or the one detected (a note goes to stderr
/// when the choice needs explaining, e.g. tmux without passthrough). Each picture gets its own
/// kitty image id, so pictures printed one after another all stay on the screen.
func showInTerminal(_ pictures: [(caption: String?, image: RGBImage)], preview: String?, maxColumns: Int, maxRows: Int) {
    let choice = detectPreview(override: preview.flatMap(PreviewProtocol.init(parsing:)))
    if let note = choice.note { printError(note) }
    let cellPixels = terminalCellPixels()
    for (index, picture) in pictures.enumerated() {
        var bytes = [UInt8]()
        if let caption = picture.caption { bytes += Array((caption + "\n").utf8) }
        bytes += TerminalImage.printable(picture.image, protocol: choice.previewProtocol, maxColumns: maxColumns, maxRows: maxRows,
                                         cellPixels: cellPixels, passthrough: choice.passthrough,
                                         kittyImageID: TerminalImage.kittyImageID + 1 + index)
        FileHandle.standardOutput.write(Data(bytes))
    }
}

/// The studio's choice (kitty, iTerm2 or sixel when the terminal speaks it, through tmux's
/// passthrough when needed, else half blocks by COLORTERM / TERM), probing only a real terminal.
func detectPreview(override: PreviewProtocol?) -> PreviewChoice {
    let environment = ProcessInfo.processInfo.environment
    let (probe, tmux) = PreviewChoice.ask(override: override, probe: isatty(0) != 0 && isatty(1) != 0, environment: environment)
    return PreviewChoice.choose(probe: probe, tmux: tmux, override: override, colorCount: 0, environment: environment)
}

/// The pixel size of one cell from the terminal (TIOCGWINSZ), or a typical 10×20.
func terminalCellPixels() -> (width: Int, height: Int) {
    var size = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0, size.ws_xpixel > 0, size.ws_ypixel > 0
    else { return (10, 20) }
    return (max(1, Int(size.ws_xpixel / size.ws_col)), max(1, Int(size.ws_ypixel / size.ws_row)))
}
