# Sourced by the fuzz builds (not run): `build_c_target NAME OUT` compiles the C target
# Sources/NAME (its .c files, include/NAME.h) into OUT/NAME.o, instrumented for libFuzzer
# and ASan, and writes OUT/NAME/module.modulemap so that swiftc -I OUT/NAME imports it,
# as SwiftPM does for the package build. Expects $root (the repository).
build_c_target() {
  name=$1 dir=$2
  mkdir -p "$dir/$name"
  printf 'module %s {\n  header "%s"\n  export *\n}\n' "$name" "$root/Sources/$name/include/$name.h" \
    >"$dir/$name/module.modulemap"
  clang -c -O1 -fsanitize=fuzzer-no-link,address -I "$root/Sources/$name/include" \
    "$root"/Sources/$name/*.c -o "$dir/$name.o"
}
