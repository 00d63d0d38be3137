// A Dashboard 2 plugin: puts the account a dashboard user logged in with (set on the socket by the
// gateway's ioMiddleware, see gateway/dashboard/node-red.ts) into msg._client, so that the nodes
// that write (counts, commands, answers to proposals) can ask for a login with that role.
"use strict";

module.exports = function (RED) {
  RED.plugins.registerPlugin("commons-sense-accounts", {
    type: "node-red-dashboard-2",
    hooks: {
      onAddConnectionCredentials(conn, msg) {
        const account = conn && conn.data && conn.data.account;
        if (account) msg._client = { ...(msg._client || {}), account: account.name, permissions: account.permissions };
        return msg;
      },
    },
  });
};
