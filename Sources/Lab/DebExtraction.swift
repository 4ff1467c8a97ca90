import Foundation

/// Extracts chosen files of a `.deb` without unpacking the rest: `dpkg-deb --fsys-tarfile`
/// streams the data archive into `tar -x --occurrence`, which stops once every named member
/// is out (dpkg-deb(1), tar(1)). The two run as a pipe of processes, not a shell.
enum DebExtraction {
  /// Extracts `paths` (relative to the package's root, without `./`) into `folder`.
  static func extract(_ paths: [String], from deb: URL, into folder: URL) throws {
    let dpkg = Process()
    dpkg.executableURL = try Subprocess.resolve("dpkg-deb")
    dpkg.arguments = ["--fsys-tarfile", deb.path]
    let tar = Process()
    tar.executableURL = try Subprocess.resolve("tar")
    // Debian's data archives name members `./usr/...`.
    tar.arguments = ["-x", "--occurrence", "-C", folder.path] + paths.map { "./\($0)" }
    let stream = Pipe()
    let tarErrors = Pipe()
    dpkg.standardOutput = stream
    dpkg.standardError = FileHandle.nullDevice
    dpkg.standardInput = FileHandle.nullDevice
    tar.standardInput = stream
    tar.standardOutput = FileHandle.nullDevice
    tar.standardError = tarErrors
    try dpkg.run()
    try tar.run()
    // Only the children hold the pipe now, so dpkg-deb sees a broken pipe when tar stops early.
    try? stream.fileHandleForReading.close()
    try? stream.fileHandleForWriting.close()
    let errors = tarErrors.fileHandleForReading.readDataToEndOfFile()
    tar.waitUntilExit()
    dpkg.waitUntilExit()
    // dpkg-deb fails with a broken pipe when tar has stopped early; tar's status decides.
    guard tar.terminationStatus == 0 else {
      throw LabError.commandFailed(
        command: ["dpkg-deb", "--fsys-tarfile", deb.path, "|"] + ["tar"] + (tar.arguments ?? []),
        status: tar.terminationStatus, output: String(decoding: errors, as: UTF8.self))
    }
  }
}
