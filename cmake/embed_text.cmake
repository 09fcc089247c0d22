# Writes OUT, a C++ source defining btr::lean::AlgorithmSource() as the text of IN.
# Usage: cmake -DIN=<file> -DOUT=<file.cc> -P embed_text.cmake
file(READ ${IN} text)
string(FIND "${text}" ")btr_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )btr_embed\"")
endif()
file(WRITE ${OUT} "// Generated from ${IN} by cmake/embed_text.cmake; do not edit.\n"
                  "#include \"adapters/lean/lean_project.h\"\n"
                  "namespace btr::lean {\n"
                  "std::string_view AlgorithmSource() {\n"
                  "  static constexpr char kSource[] = R\"btr_embed(${text})btr_embed\";\n"
                  "  return {kSource, sizeof(kSource) - 1};\n"
                  "}\n"
                  "}  // namespace btr::lean\n")
