// Password hashes written by other systems, which imported accounts bring along (POST
// /admin/v1/users with password_hash, `vestibule import`): recognised with their cost bounds, and
// verified at login, after which the account is rehashed to our own argon2id (PasswordHasher).
//
// The formats, exactly as accepted (salt and hash lengths in bytes after decoding):
//   argon2   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>, also $argon2i$ and
//            $argon2d$, and version 1.0 (v=16, or no v= field, as passlib writes it); salt and
//            hash standard base64 unpadded. Computed by libargon2 with one thread whatever p says.
//   bcrypt   $2a$ / $2b$ / $2y$<two-digit cost>$<53 characters>, via libxcrypt's crypt_rn.
//   scrypt   $scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<hash> (passlib's form;
//            standard base64 unpadded), via OpenSSL's EVP_PBE_scrypt.
//   PBKDF2   pbkdf2_sha256$<iterations>$<salt text>$<32-byte hash, base64 padded> (Django) and
//            $pbkdf2-sha256$<rounds>$<salt>$<32-byte hash> (passlib, its "ab64" base64: '.' for
//            '+', unpadded), HMAC-SHA-256 via OpenSSL's PKCS5_PBKDF2_HMAC.
//   crypt    $6$[rounds=<n>$]<salt>$<86 chars> (sha512-crypt), $5$... (sha256-crypt, 43 chars),
//            $y$<params>$<salt>$<43 chars> (yescrypt, what Debian's mkpasswd writes by default),
//            via crypt_rn.
// Decimals are canonical (no sign, no leading zero) and nothing may precede or follow a form.
//
// The cost bounds: a stored string decides what its verification costs, and an imported one is
// not trusted, so none may ask for more than about our own argon2id maximum (256 MiB x 16 passes,
// about 2.3 s of one hashing thread here, hash_params.h). Outside them a hash is not verifiable:
// refused at import, no match at login, at no cost. Measured side by side under the same load,
// each bound costs at most our argon2id maximum on libsodium, except argon2i/d at theirs through
// libargon2 (no SIMD in Debian's build): about 1.25 times. Single runs on this 2-core AMD EPYC VM:
//   argon2   8p <= m <= 262144 KiB (256 MiB), 1 <= t <= 16, 1 <= p <= 64; salt 8-64, hash 16-64.
//            Lanes cost nothing extra on one thread. passlib's default (100 MiB, t=2, p=8) fits.
//   bcrypt   cost 04-15 (2^15 rounds: about 1.8 s).
//   scrypt   N = 2^ln with 1 <= ln <= 20 (and N < 2^(16 r), OpenSSL's rule), r >= 1, p >= 1,
//            memory 128 r N <= 256 MiB and 128 r p <= 16 MiB, work N r p <= 2^22 (N=2^18, r=8,
//            p=2: about 2.1 s); salt 1-64, hash 16-64.
//            passlib's default (ln=16, r=8, p=1: 64 MiB) takes about 0.25 s.
//   PBKDF2   1 <= iterations <= 10,000,000 (about 2.9 s); Django's salt 1-64 printable ASCII
//            characters other than '$', passlib's 1-64 bytes.
//   sha-crypt rounds 1000-5,000,000 (sha512: about 1.7 s), 5000 when absent; salt 1-16 characters.
//   yescrypt memory 128 r N <= 256 MiB (about 0.3 s), parameters in their one-character spelling
//            only (flavour, N, r: mkpasswd's), no p/t/g/ROM fields; salt 1-64 characters.
// Pure functions; thread-safe (verification allocates per call; nothing is shared).
#pragma once

#include <optional>
#include <string_view>

namespace vestibule::security {

enum class HashFormat { argon2, bcrypt, scrypt, pbkdf2_sha256, sha_crypt, yescrypt };

// The format of `stored` if it is one of the above within its bounds; std::nullopt otherwise.
// Costs no more than parsing the string.
std::optional<HashFormat> imported_format(std::string_view stored);

// Whether `password` matches `stored`. False for anything imported_format refuses (before
// anything is computed or allocated), and for a password a format cannot represent (a NUL byte,
// for the crypt formats). The hashes are compared in constant time.
bool verify_imported(std::string_view password, std::string_view stored);

}  // namespace vestibule::security
