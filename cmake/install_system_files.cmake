# Runs at install time (cmake --install, and cpack's staging install), so the paths written into
# the systemd unit, the default configuration and the logrotate snippet follow the prefix given
# then (`cmake --install build --prefix /usr`), not the one configured.
#
# Where the files go follows GNUInstallDirs' rules for system configuration: prefix /usr (or /)
# puts configuration in /etc and the unit in /lib/systemd/system (Debian's place for packaged
# units); /opt/NAME puts configuration in /etc/opt/NAME (FHS 3.7.4); any other prefix keeps both under itself
# (/usr/local/etc/baawatch, /usr/local/lib/systemd/system, which systemd also searches).
# BAAWATCH_SOURCE_DIR, BAAWATCH_BINDIR, BAAWATCH_DATADIR, BAAWATCH_DOCDIR (relative to the prefix)
# and the BAAWATCH_*_OVERRIDE values are set by the top-level CMakeLists.txt.

cmake_policy(VERSION 3.25)  # @NAME@ in strings stays literal (CMP0053)
set(prefix "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/+$" "" prefix "${prefix}")
if(prefix STREQUAL "" OR prefix STREQUAL "/usr")
  set(sysconfdir "/etc")
  set(unitdir "/lib/systemd/system")
elseif(prefix MATCHES "^/opt/")
  set(sysconfdir "/etc${prefix}")
  set(unitdir "${prefix}/lib/systemd/system")
else()
  set(sysconfdir "${prefix}/etc")
  set(unitdir "${prefix}/lib/systemd/system")
endif()
# The unit's LogsDirectory= is always /var/log/baawatch, whatever the prefix.
set(logdir "/var/log")
set(configdir "${sysconfdir}/baawatch")
if(prefix MATCHES "^/opt/")
  set(configdir "${sysconfdir}")  # FHS: /etc/opt/NAME is already the package's own folder
endif()
if(BAAWATCH_CONFIG_DIR_OVERRIDE)
  set(configdir "${BAAWATCH_CONFIG_DIR_OVERRIDE}")
endif()
if(BAAWATCH_SYSTEMD_UNIT_DIR_OVERRIDE)
  set(unitdir "${BAAWATCH_SYSTEMD_UNIT_DIR_OVERRIDE}")
endif()
set(logrotatedir "${sysconfdir}/logrotate.d")
if(BAAWATCH_LOGROTATE_DIR_OVERRIDE)
  set(logrotatedir "${BAAWATCH_LOGROTATE_DIR_OVERRIDE}")
endif()
set(binary "${prefix}/${BAAWATCH_BINDIR}/baawatch")
set(signatures "${prefix}/${BAAWATCH_DATADIR}/baawatch/signatures")
set(docdir "${prefix}/${BAAWATCH_DOCDIR}")

set(destdir "$ENV{DESTDIR}")
function(write_installed path content)
  set(target "${destdir}${path}")
  get_filename_component(folder "${target}" DIRECTORY)
  file(MAKE_DIRECTORY "${folder}")
  file(WRITE "${target}" "${content}")
  message(STATUS "Installing: ${target}")
endfunction()

# The default configuration, with this prefix's signatures and the gateway's log file. An edited
# configuration is never overwritten: the new default goes beside it as NAME.dist. (The Debian
# package marks both files as conffiles, so dpkg keeps edited ones on upgrade itself.)
file(READ "${BAAWATCH_SOURCE_DIR}/etc/baawatch.yaml" config)
string(REPLACE "signatures: ../signatures" "signatures: ${signatures}" config "${config}")
string(REPLACE "json: \"-\" " "json: ${logdir}/baawatch/alerts.jsonl" config "${config}")
file(READ "${BAAWATCH_SOURCE_DIR}/etc/policy.yaml" policy)
foreach(pair "baawatch.yaml;config" "policy.yaml;policy")
  list(GET pair 0 name)
  list(GET pair 1 variable)
  if(EXISTS "${destdir}${configdir}/${name}")
    write_installed("${configdir}/${name}.dist" "${${variable}}")
    message(STATUS "Kept edited: ${destdir}${configdir}/${name} (the new default is ${name}.dist)")
  else()
    write_installed("${configdir}/${name}" "${${variable}}")
  endif()
endforeach()

file(READ "${BAAWATCH_SOURCE_DIR}/systemd/baawatch.service.in" unit)
string(REPLACE "@BAAWATCH_BINARY@" "${binary}" unit "${unit}")
string(REPLACE "@BAAWATCH_CONFIG_DIR@" "${configdir}" unit "${unit}")
string(REPLACE "@BAAWATCH_DOCDIR@" "${docdir}" unit "${unit}")
string(REPLACE "@BAAWATCH_DEFAULT_FILE@" "${sysconfdir}/default/baawatch" unit "${unit}")
write_installed("${unitdir}/baawatch.service" "${unit}")

file(READ "${BAAWATCH_SOURCE_DIR}/systemd/baawatch.logrotate" logrotate)
string(REPLACE "/var/log/baawatch" "${logdir}/baawatch" logrotate "${logrotate}")
write_installed("${logrotatedir}/baawatch" "${logrotate}")
