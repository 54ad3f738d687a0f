-- Lets Debian's mod_sasl2 (prosody-modules snapshot of 2023-02, written against Prosody 0.13) run on Prosody 0.12.
--
-- mod_sasl2 asks an encrypted connection for conn:ssl_info() while building stream features; Prosody 0.12's
-- net.server has no such method, so after STARTTLS the features were never sent and every client hung.
-- This module adds the method, answering from the TLS socket as 0.13 does. It changes nothing on a server
-- whose connections already have ssl_info.

local function ssl_info(conn)
	local sock = conn:socket();
	if sock and sock.info then
		return sock:info();
	end
end

-- Runs before mod_sasl2's own stream-features handler (priority 1). The connection class is only reachable
-- through a connection, hence the patch on first use.
module:hook("stream-features", function (event)
	local conn = event.origin.conn;
	if not conn or conn.ssl_info then return; end
	local mt = getmetatable(conn);
	local class = mt and mt.__index;
	if type(class) == "table" and class.ssl_info == nil then
		class.ssl_info = ssl_info;
		module:log("debug", "Added conn:ssl_info() for mod_sasl2");
	end
end, 1000);
