import Dump

extension CaptureSession {
  /// What was saved.
  public struct Report: Sendable {
    public var files: [SavedFile] = []
    public var logRecords = 0
    public var scene: CrashScene?
    public var release: String?
    /// The level actually applied (lower than asked when page filtering is impossible).
    public var level = DumpLevel()
    public var codec = PageCodec.none
    public var pageSize = 4096
    /// Pages of RAM in the dumped machine (1st bitmap).
    public var pagesTotal: UInt64 = 0
    public var excluded: [ExcludedClass: UInt64] = [:]
    /// Pages with a descriptor (zero pages included).
    public var pagesDumpable: UInt64 = 0
    public var pagesWritten: UInt64 = 0
    /// Written pages equal to an earlier one, whose descriptor points at its stream
    /// (`DuplicatePages`).
    public var pagesDuplicate: UInt64 = 0
    public var dumpBytes: UInt64 = 0
    /// Every dumpable page saved: no write failure, no page the source lacked.
    public var complete = false
    /// Pages the source promised but could not give (a truncated or damaged vmcore):
    /// saved as empty descriptors, never as zeros.
    public var pagesUnreadable: UInt64 = 0
    public var resumedAt: UInt64?
    /// How the vmcore was read: "mmap" (/proc/vmcore through mapped windows,
    /// `FileBytes.Windows`), "read" (read(2)), or "mmap; read(2) for ..." naming the
    /// windows mmap refused.
    public var sourceRead = "read"
    public var seconds = 0.0
    /// Seconds spent in each phase (open, log, filter, dump, checksum).
    public var phaseSeconds: [(phase: String, seconds: Double)] = []
    public var problems: [String] = []
    public var error: CaptureError?
  }

  public struct SavedFile: Sendable, Equatable {
    public var name: String
    public var bytes: UInt64
    /// nil for a dump captured without `--checksum`.
    public var sha256: String?
  }
}
