import Foundation

/// Decides whether KVM really works here. `/dev/kvm` may exist and still fail: on the
/// lab's kind of host QEMU aborts setting MSR 0x10a with `-cpu host`, and without it the
/// guest never prints a line. So the probe boots the kernel for a few seconds and asks
/// for the banner.
enum AcceleratorProbe {
  /// nil when KVM works, else the reason it does not.
  static func probeKVM(kernelImage: String, seconds: TimeInterval = 8) -> String? {
    guard FileManager.default.isReadableFile(atPath: "/dev/kvm") else { return "no usable /dev/kvm" }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "coroner-kvm-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      var command = QemuCommand(kernel: kernelImage, serialLog: folder.appendingPathComponent("serial").path)
      command.accelerator = .kvm
      command.memoryMiB = 256
      command.cpus = 1
      command.vmcoreinfoDevice = false
      command.kernelParameters = ["console=ttyS0", "panic=-1"]
      let output = folder.appendingPathComponent("qemu.out")
      let qemu = try QemuProcess(command: command, output: output)
      try qemu.start()
      let deadline = Date().addingTimeInterval(seconds)
      while Date() < deadline {
        let serial = (try? String(contentsOfFile: command.serialLog, encoding: .utf8)) ?? ""
        if serial.contains("Linux version") {
          qemu.stop()
          return nil
        }
        if !qemu.isRunning { break }
        Thread.sleep(forTimeInterval: 0.2)
      }
      qemu.stop()
      let said = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
      let firstError = said.split(separator: "\n").first { $0.contains("error") || $0.contains("Assertion") }
      return firstError.map(String.init) ?? "the guest printed nothing in \(Int(seconds)) s under KVM"
    } catch {
      return "\(error)"
    }
  }
}
