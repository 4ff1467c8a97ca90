/// What a piece of evidence is, as `CauseOfDeath.kind` and every report's
/// `evidence.kind` name it (docs/design.md).
public enum EvidenceKind: String, Sendable, Hashable, Codable, CaseIterable {
  /// A kernel dump in any format Dump reads: ELF, kdump-compressed, flattened, split.
  case vmcore
  /// Text: a serial console, `dmesg`, `journalctl -k`, syslog, a netconsole capture
  /// saved as text.
  case console
  /// A pstore folder: the records of /sys/fs/pstore, or a folder `coroner pstore` wrote.
  case pstore
  /// A netconsole stream handed over as records (the collector).
  case netconsole
}
