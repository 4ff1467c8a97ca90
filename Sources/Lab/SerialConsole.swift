import Foundation

/// The guest's serial console as QEMU writes it to a file, read while the guest runs.
struct SerialConsole {
  var path: URL

  var text: String {
    guard let data = try? Data(contentsOf: path) else { return "" }
    return String(decoding: data, as: UTF8.self)
  }

  /// The console's last lines, for errors.
  func tail(_ lines: Int = 25) -> String {
    let clean = text.replacingOccurrences(of: "\r", with: "")
    return clean.isEmpty ? "(the console is empty)" : Subprocess.tail(clean, lines: lines)
  }

  /// Waits until the console contains one of `needles` (returns it), QEMU exits, or the
  /// deadline passes (both return nil). `failures` are lines that end the wait at once.
  func waitFor(
    _ needles: [String], failures: [String] = [], qemu: QemuProcess, deadline: Date
  ) -> (found: String?, failure: String?) {
    while true {
      let now = text
      if let hit = needles.first(where: { now.contains($0) }) { return (hit, nil) }
      if let bad = failures.first(where: { now.contains($0) }) { return (nil, bad) }
      if !qemu.isRunning || Date() >= deadline { return (nil, nil) }
      Thread.sleep(forTimeInterval: 0.2)
    }
  }
}
