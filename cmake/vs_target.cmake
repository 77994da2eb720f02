# Shared settings for the project's own targets: strict warnings, errors on warnings.
function(vs_strict target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  # DPDK's headers use a few C idioms that C++ warns about; they are included as SYSTEM.
endfunction()

# vs_library(NAME SOURCES... [DEPS ...]) — a static library of ours with strict warnings.
function(vs_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  vs_strict(${name})
endfunction()
