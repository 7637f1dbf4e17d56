// Preloaded (node --import) into third-party servers that listen on every interface: forces
// 127.0.0.1 and reports the port actually bound on stderr as `LISTENING <port>`.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] !== null && typeof args[0] === 'object') {
    args[0] = { ...args[0], host: '127.0.0.1' };
  } else {
    const callback = args.find((a) => typeof a === 'function');
    args = [args[0] ?? 0, '127.0.0.1', ...(callback ? [callback] : [])];
  }
  this.once('listening', () => process.stderr.write(`LISTENING ${this.address().port}\n`));
  return listen.apply(this, args);
};
