# The Debian package (`cpack -G DEB` in a build folder): installs to /usr, configuration in
# /etc/baawatch as conffiles (dpkg keeps edited ones on upgrade and asks), the unit in
# /lib/systemd/system, logrotate, the manual page and the docs. Run-time dependencies are read
# off the binary by dpkg-shlibdeps (Debian's own library packages, nothing bundled).
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "baawatch")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
# Whoever builds the package for their clinics puts their own name here.
set(BAAWATCH_PACKAGE_MAINTAINER "baawatch developers <baawatch@example.org>" CACHE STRING
    "Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${BAAWATCH_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${BAAWATCH_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "finds consumer messaging and video use without a HIPAA BAA")
# The summary is the synopsis line; this is the extended description below it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "baawatch watches a clinic's network and reports when staff use consumer
 messaging or video services that have no HIPAA Business Associate
 Agreement (FaceTime, iMessage, WhatsApp, Messenger, Signal, Telegram and
 more). It classifies flows with nDPI and its own signatures and behaviour
 detectors, attributes them to clinic devices and writes alerts, encounters
 and counts as JSON lines, RFC 5424 syslog and a tamper-evident log, plus a
 report for the compliance officer. Metadata only: no payload is stored.")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "rsyslog")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/systemd/debian/conffiles;${CMAKE_SOURCE_DIR}/systemd/debian/postinst;${CMAKE_SOURCE_DIR}/systemd/debian/prerm;${CMAKE_SOURCE_DIR}/systemd/debian/postrm")
include(CPack)
