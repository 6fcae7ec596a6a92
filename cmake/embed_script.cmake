# Writes OUT: a C file defining tool_default_script (the bytes of IN, NUL
# terminated) and tool_default_script_name (NAME). The tool's built-in
# example is the example file itself, so the two cannot drift apart.
# Usage: cmake -DIN=... -DOUT=... -DNAME=... -P embed_script.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "/* Generated from ${NAME} by cmake/embed_script.cmake: do not edit. */\n"
  "#include \"tool.h\"\n\n"
  "const char tool_default_script_name[] = \"${NAME}\";\n\n"
  "const char tool_default_script[] = {\n    ${bytes}0x00\n};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
