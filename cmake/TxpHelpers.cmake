# SPDX-License-Identifier: MIT
# txpath build helpers: txp_add_component, txp_add_unit_test, txp_add_fuzzer,
# txp_add_golden_test, and txp_finish (called once, last, by the top-level CMakeLists.txt).
#
# CTest naming contract: every test name starts with its component ("pkt.unit.csum"), and every
# test carries two labels: the component and the kind (unit, conformance, fuzz-replay, kernel).
include_guard(GLOBAL)

set(TXP_KNOWN_COMPONENTS pkt tcp ip fib ipt neigh qdisc ring stack harness)
set(TXP_CORPUS_DIR ${PROJECT_SOURCE_DIR}/corpus)
set(TXP_PCAPS_DIR ${PROJECT_SOURCE_DIR}/pcaps)

# ---------------------------------------------------------------- interface targets
add_library(txp_warnings INTERFACE)
target_compile_options(txp_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wundef -Wcast-qual -Wcast-align -Wwrite-strings
  -Wpointer-arith -Wmissing-prototypes -Wstrict-prototypes -Wold-style-definition
  -Wnested-externs -Wswitch-default -Wswitch-enum -Wunreachable-code -Wuninitialized -Wvla
  -Wconversion -Wsign-conversion
  $<$<C_COMPILER_ID:Clang>:-Wdocumentation>
  $<$<C_COMPILER_ID:GNU>:-Wlogical-op>
  $<$<BOOL:${TXP_WERROR}>:-Werror>)

add_library(txp_sanitizers INTERFACE)
if(TXP_SANITIZE)
  string(REPLACE ";" "," _txp_san "${TXP_SANITIZE}")
  target_compile_options(txp_sanitizers INTERFACE -fsanitize=${_txp_san}
    -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(txp_sanitizers INTERFACE -fsanitize=${_txp_san} -fno-sanitize-recover=all)
endif()

add_library(txp_fuzz_instr INTERFACE)
if(TXP_BUILD_FUZZERS AND NOT TXP_LIB_FUZZING_ENGINE AND TXP_FUZZ_ENGINE STREQUAL "libfuzzer")
  target_compile_options(txp_fuzz_instr INTERFACE -fsanitize=fuzzer-no-link)
endif()
if(TXP_BUILD_FUZZERS)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TXP_BUILD_FUZZERS needs clang or afl-clang-fast (CC=${CMAKE_C_COMPILER})")
  endif()
  # Assertions stay on and the fuzzer-only build mode is visible to the code.
  target_compile_definitions(txp_fuzz_instr INTERFACE TXP_FUZZING=1)
endif()
if(TXP_COVERAGE)
  target_compile_options(txp_fuzz_instr INTERFACE -fprofile-instr-generate -fcoverage-mapping)
  target_link_options(txp_fuzz_instr INTERFACE -fprofile-instr-generate -fcoverage-mapping)
endif()

# Applied to every target of ours (PRIVATE, never through CMAKE_C_FLAGS).
function(_txp_common tgt)
  target_link_libraries(${tgt} PRIVATE $<BUILD_INTERFACE:txp_warnings> $<BUILD_INTERFACE:txp_sanitizers>
    $<BUILD_INTERFACE:txp_fuzz_instr>)
  if(CMAKE_BUILD_TYPE STREQUAL "Debug" OR TXP_BUILD_FUZZERS OR TXP_BUILD_TESTS)
    target_compile_definitions(${tgt} PRIVATE TXP_ENABLE_ASSERT=1)
  endif()
endfunction()

# ---------------------------------------------------------------- components
# txp_add_component(NAME fib SOURCES src/a.c ... [DEPS pkt])
# Creates txp_<name> (static) and alias txp::<name>. Only pkt may be a dependency, except for
# the pipeline (stack), which may depend on every component.
function(txp_add_component)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  if(NOT A_NAME IN_LIST TXP_KNOWN_COMPONENTS)
    message(FATAL_ERROR "txp_add_component: unknown component '${A_NAME}' (known: ${TXP_KNOWN_COMPONENTS})")
  endif()
  foreach(d IN LISTS A_DEPS)
    if(NOT A_NAME STREQUAL "stack" AND NOT d STREQUAL "pkt")
      message(FATAL_ERROR "txp_add_component(${A_NAME}): components may depend on pkt only, not '${d}'")
    endif()
  endforeach()
  set(t txp_${A_NAME})
  add_library(${t} STATIC ${A_SOURCES})
  add_library(txp::${A_NAME} ALIAS ${t})
  target_include_directories(${t}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  foreach(d IN LISTS A_DEPS)
    target_link_libraries(${t} PUBLIC txp::${d})
  endforeach()
  _txp_common(${t})
  set_property(GLOBAL APPEND PROPERTY TXP_COMPONENTS ${A_NAME})
  # Installed as txp::<name>, the same name as the in-tree alias.
  set_target_properties(${t} PROPERTIES EXPORT_NAME ${A_NAME})
  install(TARGETS ${t} EXPORT txpTargets COMPONENT ${A_NAME} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          COMPONENT ${A_NAME} FILES_MATCHING PATTERN "*.h")

  # The public header must compile as the first and only include (style B14.2).
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include/txpath/${A_NAME}.h)
    set(hc ${CMAKE_CURRENT_BINARY_DIR}/header_alone_${A_NAME}.c)
    file(WRITE ${hc}.in "#include <txpath/${A_NAME}.h>\nint txp_header_alone_${A_NAME}(void);\nint txp_header_alone_${A_NAME}(void) { return 0; }\n")
    configure_file(${hc}.in ${hc} COPYONLY)
    add_library(${t}_header_alone OBJECT ${hc})
    target_link_libraries(${t}_header_alone PRIVATE ${t})
    _txp_common(${t}_header_alone)
  endif()
endfunction()

function(_txp_test_props test comp kind)
  set(timeout 60)
  if(kind STREQUAL "kernel")
    set(timeout 300)
  endif()
  set_tests_properties(${test} PROPERTIES LABELS "${comp};${kind}" TIMEOUT ${timeout}
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1;TXP_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    SKIP_RETURN_CODE 77)
endfunction()

# ---------------------------------------------------------------- CUnit tests
# txp_add_unit_test(COMPONENT pkt SOURCES tests/test_pkt.c [LIBS ...])
# The source declares its suites with TXP_H_SUITE("name", ...) (harness/lib/txpath/h_cunit.h);
# one CTest entry per suite, named <component>.unit.<suite>.
function(txp_add_unit_test)
  cmake_parse_arguments(A "" "COMPONENT;NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT TXP_BUILD_TESTS OR TXP_BUILD_FUZZERS)
    return()
  endif()
  if(NOT A_NAME)
    set(A_NAME test_${A_COMPONENT})
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE txp_h_cunit ${A_LIBS})
  if(TARGET txp_${A_COMPONENT})
    target_link_libraries(${A_NAME} PRIVATE txp_${A_COMPONENT})
  endif()
  target_include_directories(${A_NAME} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  _txp_common(${A_NAME})
  set(suites "")
  foreach(src IN LISTS A_SOURCES)
    get_filename_component(abs ${src} ABSOLUTE)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${abs})
    file(STRINGS ${abs} lines REGEX "TXP_H_SUITE\\(\"[A-Za-z0-9_-]+\"")
    foreach(l IN LISTS lines)
      string(REGEX MATCH "TXP_H_SUITE\\(\"([A-Za-z0-9_-]+)\"" _m "${l}")
      list(APPEND suites ${CMAKE_MATCH_1})
    endforeach()
  endforeach()
  if(NOT suites)
    message(FATAL_ERROR "txp_add_unit_test(${A_NAME}): no TXP_H_SUITE(\"name\", ...) found in ${A_SOURCES}")
  endif()
  foreach(s IN LISTS suites)
    add_test(NAME ${A_COMPONENT}.unit.${s} COMMAND ${A_NAME} --suite ${s})
    _txp_test_props(${A_COMPONENT}.unit.${s} ${A_COMPONENT} unit)
  endforeach()
endfunction()

# ---------------------------------------------------------------- fuzz targets
# txp_add_fuzzer(COMPONENT pkt NAME pkt_parse SOURCES fuzz/fuzz_pkt_parse.c [LIBS ...])
# One LLVMFuzzerTestOneInput source becomes, depending on the build:
#   replay (default)  fuzz_<name>, linked with harness/fuzz/replay_main.c, and a CTest entry
#                     <component>.fuzz-replay.<name> over corpus/<name>/ and corpus/regress/<name>/
#   libfuzzer         fuzz_<name> linked with -fsanitize=fuzzer
#   afl               fuzz_<name> built by afl-clang-fast with -fsanitize=fuzzer (libAFLDriver)
#   TXP_LIB_FUZZING_ENGINE set (OSS-Fuzz): linked with that engine
# Every build writes ${CMAKE_BINARY_DIR}/fuzzers.tsv: name, binary, corpus, dictionary, component.
function(txp_add_fuzzer)
  cmake_parse_arguments(A "" "COMPONENT;NAME" "SOURCES;LIBS" ${ARGN})
  set(exe fuzz_${A_NAME})
  if(TXP_BUILD_FUZZERS)
    add_executable(${exe} ${A_SOURCES})
    if(TXP_LIB_FUZZING_ENGINE)
      separate_arguments(_eng UNIX_COMMAND "${TXP_LIB_FUZZING_ENGINE}")
      target_link_options(${exe} PRIVATE ${_eng})
    elseif(TXP_FUZZ_ENGINE STREQUAL "libfuzzer" OR TXP_FUZZ_ENGINE STREQUAL "afl")
      target_compile_options(${exe} PRIVATE -fsanitize=fuzzer)
      target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
    else()
      target_sources(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/harness/fuzz/replay_main.c)
    endif()
  elseif(TXP_BUILD_TESTS)
    add_executable(${exe} ${A_SOURCES} ${PROJECT_SOURCE_DIR}/harness/fuzz/replay_main.c)
  else()
    return()
  endif()
  target_link_libraries(${exe} PRIVATE txp_${A_COMPONENT} ${A_LIBS})
  target_include_directories(${exe} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  _txp_common(${exe})
  set_property(GLOBAL APPEND PROPERTY TXP_FUZZERS
    "${A_NAME}\t$<TARGET_FILE:${exe}>\t${TXP_CORPUS_DIR}/${A_NAME}\t${TXP_CORPUS_DIR}/${A_NAME}.dict\t${A_COMPONENT}")
  if(TXP_BUILD_TESTS AND NOT TXP_BUILD_FUZZERS)
    add_test(NAME ${A_COMPONENT}.fuzz-replay.${A_NAME}
      COMMAND ${exe} ${TXP_CORPUS_DIR}/${A_NAME} ${TXP_CORPUS_DIR}/regress/${A_NAME})
    _txp_test_props(${A_COMPONENT}.fuzz-replay.${A_NAME} ${A_COMPONENT} fuzz-replay)
  endif()
endfunction()

# ---------------------------------------------------------------- golden conformance
# txp_add_golden_test(COMPONENT pkt SOURCES conform/conform_pkt.c)
# The source defines `const struct txp_h_conform_driver txp_h_conform_driver_<component>`
# (harness/lib/txpath/h_conform.h). Every pcaps/<component>/<case>/case.json becomes the CTest
# entry <component>.conform.<case>, run through `txpath conform --case DIR`.
function(txp_add_golden_test)
  cmake_parse_arguments(A "" "COMPONENT" "SOURCES;LIBS" ${ARGN})
  if(NOT TXP_BUILD_HARNESS)
    return()
  endif()
  set(t txp_${A_COMPONENT}_conform)
  add_library(${t} STATIC ${A_SOURCES})
  target_link_libraries(${t} PUBLIC txp_h txp_${A_COMPONENT} ${A_LIBS})
  target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  _txp_common(${t})
  set_property(GLOBAL APPEND PROPERTY TXP_CONFORM_COMPONENTS ${A_COMPONENT})
endfunction()

# ---------------------------------------------------------------- kernel differential tests
# txp_add_kernel_test(COMPONENT fib NAME route-get COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/kernel/x.sh ...)
# CTest entry <component>.kernel.<name>, labels "<component>;kernel", run serially (namespaces,
# iptables and tc are machine-wide resources). Exit 77 means SKIPPED: use
# harness/kernel/lib.sh's txp_kernel_require / txp_kernel_skip so a skip is loud.
function(txp_add_kernel_test)
  cmake_parse_arguments(A "" "COMPONENT;NAME" "COMMAND" ${ARGN})
  if(NOT TXP_BUILD_TESTS OR TXP_BUILD_FUZZERS)
    return()
  endif()
  add_test(NAME ${A_COMPONENT}.kernel.${A_NAME} COMMAND ${A_COMMAND})
  _txp_test_props(${A_COMPONENT}.kernel.${A_NAME} ${A_COMPONENT} kernel)
  set_tests_properties(${A_COMPONENT}.kernel.${A_NAME} PROPERTIES RUN_SERIAL TRUE)
endfunction()

# ---------------------------------------------------------------- CLI subcommands
# txp_add_cli_command(COMPONENT fib NAME route SOURCES cli/cmd_route.c [LIBS ...])
# The source defines `const struct txp_h_cli_command txp_h_cli_command_<name>`
# (harness/lib/include/txpath/h_cli.h); txp_finish() links it into `txpath` and lists it in
# the generated command table, so `txpath <name> ...` dispatches to it.
function(txp_add_cli_command)
  cmake_parse_arguments(A "" "COMPONENT;NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT TXP_BUILD_HARNESS)
    return()
  endif()
  set(t txp_${A_COMPONENT}_cli_${A_NAME})
  add_library(${t} STATIC ${A_SOURCES})
  target_link_libraries(${t} PUBLIC txp_h txp_${A_COMPONENT} ${A_LIBS})
  target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  _txp_common(${t})
  set_property(GLOBAL APPEND PROPERTY TXP_CLI_COMMANDS "${A_NAME}:${t}")
endfunction()

# ---------------------------------------------------------------- finish
function(txp_finish)
  get_property(fz GLOBAL PROPERTY TXP_FUZZERS)
  string(REPLACE ";" "\n" fz "${fz}")
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/fuzzers.tsv CONTENT "${fz}\n")

  get_property(comps GLOBAL PROPERTY TXP_CONFORM_COMPONENTS)
  if(TARGET txpath)
    set(decl "")
    set(tab "")
    foreach(c IN LISTS comps)
      string(APPEND decl "extern const struct txp_h_conform_driver txp_h_conform_driver_${c};\n")
      string(APPEND tab "    &txp_h_conform_driver_${c},\n")
      target_link_libraries(txpath PRIVATE txp_${c}_conform)
    endforeach()
    file(WRITE ${CMAKE_BINARY_DIR}/txp_conform_registry.c.in
      "/* Generated by txp_finish(): the golden drivers of every component. */\n#include <stddef.h>\n\n#include \"txpath/h_conform.h\"\n\n${decl}\nconst struct txp_h_conform_driver *const txp_h_conform_drivers[] = {\n${tab}    NULL,\n};\n")
    configure_file(${CMAKE_BINARY_DIR}/txp_conform_registry.c.in ${CMAKE_BINARY_DIR}/txp_conform_registry.c COPYONLY)
    target_sources(txpath PRIVATE ${CMAKE_BINARY_DIR}/txp_conform_registry.c)

    get_property(cmds GLOBAL PROPERTY TXP_CLI_COMMANDS)
    set(decl "")
    set(tab "")
    foreach(entry IN LISTS cmds)
      string(REPLACE ":" ";" parts "${entry}")
      list(GET parts 0 n)
      list(GET parts 1 lib)
      string(APPEND decl "extern const struct txp_h_cli_command txp_h_cli_command_${n};\n")
      string(APPEND tab "    &txp_h_cli_command_${n},\n")
      target_link_libraries(txpath PRIVATE ${lib})
    endforeach()
    file(WRITE ${CMAKE_BINARY_DIR}/txp_cli_registry.c.in
      "/* Generated by txp_finish(): the subcommands of every component. */\n#include <stddef.h>\n\n#include \"txpath/h_cli.h\"\n\n${decl}\nconst struct txp_h_cli_command *const txp_h_cli_commands[] = {\n${tab}    NULL,\n};\n")
    configure_file(${CMAKE_BINARY_DIR}/txp_cli_registry.c.in ${CMAKE_BINARY_DIR}/txp_cli_registry.c COPYONLY)
    target_sources(txpath PRIVATE ${CMAKE_BINARY_DIR}/txp_cli_registry.c)
  endif()
  if(TXP_BUILD_TESTS AND NOT TXP_BUILD_FUZZERS AND TARGET txpath)
    foreach(c IN LISTS comps)
      file(GLOB cases LIST_DIRECTORIES true CONFIGURE_DEPENDS ${TXP_PCAPS_DIR}/${c}/*/case.json)
      list(SORT cases)
      foreach(cj IN LISTS cases)
        get_filename_component(dir ${cj} DIRECTORY)
        get_filename_component(case ${dir} NAME)
        add_test(NAME ${c}.conform.${case}
          COMMAND txpath conform --case ${dir} --actual-dir ${CMAKE_BINARY_DIR}/actual/${c})
        _txp_test_props(${c}.conform.${case} ${c} conformance)
      endforeach()
    endforeach()
  endif()

  if(PROJECT_IS_TOP_LEVEL)
    include(CMakePackageConfigHelpers)
    install(EXPORT txpTargets NAMESPACE txp:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/txp)
    write_basic_package_version_file(${CMAKE_BINARY_DIR}/txpConfigVersion.cmake
      VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
    file(WRITE ${CMAKE_BINARY_DIR}/txpConfig.cmake
      "include(\${CMAKE_CURRENT_LIST_DIR}/txpTargets.cmake)\n")
    install(FILES ${CMAKE_BINARY_DIR}/txpConfig.cmake ${CMAKE_BINARY_DIR}/txpConfigVersion.cmake
      DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/txp)
  endif()
endfunction()
