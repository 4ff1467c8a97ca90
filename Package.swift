// swift-tools-version:6.0
// Coroner: the black box and the coroner of a dead Linux kernel.
// Evidence flows one way, bytes -> records -> reports; docs/architecture.md draws the
// targets and what each depends on.
import PackageDescription

// Builds that link the Swift runtime in (`--static-swift-stdlib`: the lab's guest binaries,
// the Debian package) set CORONER_FIXED_ADDRESS=1 and are linked at a fixed address (not
// position-independent): a PIE of the Swift runtime and these libraries starts by patching
// some 80,000 relative relocations, which is most of what a short command like `dmesg`
// costs. Builds against the shared runtime stay PIE: a fixed-address executable takes copy
// relocations of the runtime's protected symbols, which glibc's loader warns about at
// every start. The same builds export no symbols (--no-export-dynamic): the runtime linked
// in looks its own path up with dladdr(3) at every start, and glibc's dladdr walks every
// exported symbol, some 50,000 of them when everything is exported.
//
// They also link libstdc++ in when CORONER_STATIC_CXX_DIR names a folder holding only
// libstdc++.a (scripts/static-cxx-dir makes it): the loader binds some 1,700 of
// libstdc++.so's own symbols at every start, a third of what `coroner dmesg` executes.
// The folder is searched before the compiler's own, so every `-lstdc++` finds the archive.
let staticCxx = Context.environment["CORONER_STATIC_CXX_DIR"].flatMap { $0.isEmpty ? nil : ["-L", $0] } ?? []
let fixedAddress: [LinkerSetting] =
  Context.environment["CORONER_FIXED_ADDRESS"] == "1"
  ? [
    .unsafeFlags(
      ["-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic"] + staticCxx,
      .when(platforms: [.linux]))
  ]
  : []

let package = Package(
  name: "coroner",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "coroner", targets: ["coroner"]),
    .executable(name: "coroner-capture", targets: ["coroner-capture"]),
    .library(name: "KernelLog", targets: ["KernelLog"]),
    .library(name: "Dump", targets: ["Dump"]),
    .library(name: "Examine", targets: ["Examine"]),
    .library(name: "Kernel", targets: ["Kernel"]),
    .library(name: "Lab", targets: ["Lab"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
    .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
    .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
  ],
  targets: [
    // Files and bytes: the one file reader (mmap, pread), bounded views and cursors,
    // little-endian fields, shared libraries opened at run time. Depends on nothing.
    .target(name: "Bytes"),
    // zlib (linked), zstd, lzo, snappy and xz (loaded at run time): decode and encode.
    .target(name: "Codecs", dependencies: ["Bytes", "CZlib", "CZstdParameters"]),
    // ZSTD_compress_advanced's parameters passed by value, which Swift cannot do.
    .target(name: "CZstdParameters"),
    // The system zlib (zlib1g-dev).
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // Console text -> LogRecord -> CrashReport. Depends on nothing but its vector scan.
    .target(name: "KernelLog", dependencies: ["CMarkerScan"]),
    // The byte-shuffle step of KernelLog's marker scan (AVX2), which Swift cannot express.
    .target(name: "CMarkerScan"),
    // vmcore bytes -> physical memory -> kernel virtual memory -> the kernel's objects:
    // printk records, memory sections, struct page, init_uts_ns.
    .target(name: "Dump", dependencies: ["KernelLog", "Bytes", "Codecs"], exclude: ["README.md"]),
    // Addresses -> names and source lines.
    .target(name: "Symbols", dependencies: ["Dump", "KernelLog", "Bytes", "Codecs"], exclude: ["README.md"]),
    // Kernel objects read through the dump's own kallsyms and BTF: tasks, CPUs, ORC
    // stacks. Apart from Dump because it needs Symbols (kallsyms, BTF), which needs Dump.
    .target(name: "Kernel", dependencies: ["Dump", "Symbols"], exclude: ["README.md"]),
    // The live host: doctor, arm, capture writer, pstore.
    .target(name: "Capture", dependencies: ["Dump", "KernelLog", "Bytes", "Codecs", "CKexec"]),
    // kexec_file_load(2): no glibc wrapper, and Swift cannot call the variadic syscall(2).
    .target(name: "CKexec"),
    // Evidence in, cause of death out: format sniffing, the dump-to-report join,
    // frame symbolization and the problems of the evidence, for the command line,
    // the collector and the tests.
    .target(name: "Examine", dependencies: ["Bytes", "Dump", "KernelLog", "Symbols", "Kernel", "Capture"]),
    // Netconsole receiver, HTTP ingest, the store and its buckets, the dashboard.
    // The store is sql-kit over SQLite (default) or PostgreSQL; UDP through SwiftNIO,
    // HTTP through Hummingbird.
    .target(
      name: "Collector",
      dependencies: [
        "KernelLog", "Examine",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "SQLKit", package: "sql-kit"),
        .product(name: "SQLiteKit", package: "sqlite-kit"),
        .product(name: "PostgresKit", package: "postgres-kit"),
      ]),
    // QEMU, kernels, initramfs, detonators, scenarios.
    .target(name: "Lab", resources: [.copy("Detonators")]),
    .executableTarget(
      name: "coroner",
      dependencies: [
        "Bytes", "KernelLog", "Dump", "Symbols", "Kernel", "Capture", "Examine", "Collector", "Lab",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      linkerSettings: fixedAddress
    ),
    // What the capture kernel runs: `capture` alone, without Lab, the argument parser or
    // Foundation, so its initramfs fits a small crashkernel reservation.
    .executableTarget(name: "coroner-capture", dependencies: ["Capture"], linkerSettings: fixedAddress),
    // What the test targets share: the lab gate, missing inputs (a skip here, a failure
    // under CI), opt-in skips, and the reference tools' runner.
    .target(name: "TestSupport", dependencies: ["Lab"], path: "Tests/TestSupport"),
    .testTarget(
      name: "KernelLogTests", dependencies: ["KernelLog", "TestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "DumpTests", dependencies: ["Dump", "KernelLog", "Bytes", "CZlib", "Lab", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "SymbolsTests", dependencies: ["Symbols", "Bytes", "Codecs", "Lab", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "BytesTests", dependencies: ["Bytes"]),
    .testTarget(name: "CodecsTests", dependencies: ["Codecs", "CZlib", "TestSupport"]),
    .testTarget(
      name: "CaptureTests", dependencies: ["Capture", "Bytes", "Lab", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "KernelTests", dependencies: ["Kernel"]),
    .testTarget(
      name: "CollectorTests",
      dependencies: [
        "Collector", "KernelLog", "Lab", "TestSupport",
        // The binary itself: tests run `coroner serve`, `send`, `token` and `pstore` as children.
        "coroner",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      // Read by path (#filePath), not bundled.
      exclude: ["Fixtures"]),
    .testTarget(name: "LabTests", dependencies: ["Lab", "Dump", "KernelLog", "Examine", "TestSupport"]),
    // The joins: examine over vmcores, kallsyms from dumps, lab scenes.
    .testTarget(
      name: "ExamineTests",
      dependencies: ["coroner", "Examine", "Dump", "KernelLog", "Symbols", "Kernel", "Lab", "TestSupport"]),
  ],
  swiftLanguageModes: [.v5]
)
