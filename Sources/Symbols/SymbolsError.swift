import Bytes

/// Why a symbol file could not be read or an address not resolved. The symbol readers
/// read through the bounded views of `Bytes`, so their errors are that library's: the
/// file (and section), the offset where reading stopped and what was expected there.
public typealias SymbolsError = BytesError
