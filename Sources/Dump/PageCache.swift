#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A small cache of decoded pages (the page tables and the printk arrays are read
/// many times), bounded so memory stays flat whatever the dump's size.
final class PageCache: @unchecked Sendable {
  private var pages: [UInt64: [UInt8]] = [:]
  private var order: [UInt64] = []
  private var next = 0
  private let capacity: Int
  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

  init(capacity: Int = 512) {
    self.capacity = capacity
    pthread_mutex_init(lock, nil)
  }

  deinit {
    pthread_mutex_destroy(lock)
    lock.deallocate()
  }

  func page(_ pfn: UInt64, orLoad load: () throws -> [UInt8]) rethrows -> [UInt8] {
    pthread_mutex_lock(lock)
    if let cached = pages[pfn] {
      pthread_mutex_unlock(lock)
      return cached
    }
    pthread_mutex_unlock(lock)
    let loaded = try load()
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    if order.count < capacity {
      order.append(pfn)
    } else {
      // Round-robin eviction: cheap, and good enough for page-table walks.
      pages[order[next]] = nil
      order[next] = pfn
      next = (next + 1) % capacity
    }
    pages[pfn] = loaded
    return loaded
  }
}
