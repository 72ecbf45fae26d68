-- POST /v1/introspect (RFC 7662) for a valid bearer token, as a resource server asks: the token
-- from the file named by the first script argument, the introspection secret from the second.
-- The request is built once, so wrk sends it as fast as a plain GET.
--   wrk ... -s introspect.lua http://127.0.0.1:PORT/v1/introspect -- TOKEN_FILE SECRET_FILE
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
done = require("report").done

local function first_line(path)
  local file = assert(io.open(path, "r"))
  local line = file:read("*l")
  file:close()
  return line
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. first_line(args[2])
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = "token=" .. first_line(args[1])
end
