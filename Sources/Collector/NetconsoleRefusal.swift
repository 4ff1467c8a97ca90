/// Why a netconsole datagram was not accepted. Each reason is counted (per host and
/// in `/metrics`), so an operator sees what arrives broken and from where.
public enum NetconsoleRefusal: String, Error, Sendable, CaseIterable {
  /// Longer than any netconsole payload (the kernel sends at most 1000 bytes).
  case oversized
  /// An extended header that does not parse: missing fields, non-numbers, non-ASCII.
  case badHeader = "bad_header"
  /// The same key twice in one header.
  case duplicateKey = "duplicate_key"
  /// `ncfrag` offset or total out of range, or a chunk past the total.
  case badFragment = "bad_fragment"
  /// A fragment whose total differs from earlier fragments of the same record.
  case fragmentTotalChanged = "fragment_total_changed"
  /// One source sending faster than its configured share.
  case flood
  /// The worker for this source is too far behind: dropped rather than queued.
  case queueFull = "queue_full"
  /// Empty payload.
  case empty
}
