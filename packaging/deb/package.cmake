# What `cmake --install` lays out and how CPack makes the Debian package of it (included from
# the top CMakeLists.txt). Relative destinations are under the install prefix (/usr in the
# package); the environment file is absolute, /etc/vestibule, as a conffile, so stage a plain
# install with DESTDIR (DESTDIR=$PWD/stage cmake --install build --prefix /usr).
# The mail templates are compiled in (src/mail/builtin_templates.cc): nothing to install for them.
include(GNUInstallDirs)

install(TARGETS vestibule RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md" PATTERN "openapi.yaml" PATTERN "*.png")
install(FILES packaging/deb/vestibule.service DESTINATION lib/systemd/system)
# It may hold secrets (an SMTP password in VESTIBULE_MAIL_URL): root only; systemd reads it.
install(FILES packaging/deb/vestibule.env DESTINATION /etc/vestibule
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vestibule)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Vestibule maintainers <maintainers@users.noreply.r-seed-79dd15d8.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "user accounts and bearer-token authentication over a JSON HTTP API")
# One string (list separators would show as ';'); its lines become the extended description.
set(CPACK_PACKAGE_DESCRIPTION "\
Vestibule registers users, checks their passwords (argon2id) and issues bearer
tokens that resource servers verify, over a small JSON HTTP API, with a SQLite or
Redis store. The package runs it as the vestibule system user under a sandboxed
systemd unit, configured in /etc/vestibule/vestibule.env, with its data in
/var/lib/vestibule.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # vestibule_VERSION_ARCH.deb
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries come from dpkg-shlibdeps (dpkg-dev); the rest by hand: john-data holds
# the default --common-passwords list, adduser makes the system user in postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, john-data")
# sqlite3 for online backups (.backup), redis-server for a redis:// store.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3, redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/deb/postinst
    ${PROJECT_SOURCE_DIR}/packaging/deb/prerm
    ${PROJECT_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # scripts 0755, conffiles 0644
set(CPACK_SOURCE_GENERATOR TXZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build/" "/node_modules/")
include(CPack)
