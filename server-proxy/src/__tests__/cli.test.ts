import { IFrontArgs, IServeArgs, parseCli, USAGE, UsageError } from '../cli';

const CWD = '/home/alice/notebooks';

function refusal(argv: string[]): UsageError {
  try {
    parseCli(argv, CWD);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`parseCli accepted ${JSON.stringify(argv)}`);
}

describe('parseCli refusals', () => {
  it.each<[string, string[], RegExp]>([
    [
      '--port with --socket',
      ['serve', '--port', '8000', '--socket', '/tmp/s'],
      /--port and --socket are mutually exclusive/
    ],
    [
      '--token with --token-file',
      ['serve', '--token', 'abc', '--token-file', '/tmp/t'],
      /--token and --token-file are mutually exclusive/
    ],
    ['an empty --token', ['serve', '--token', ''], /--token must not be empty/],
    [
      'front without --port',
      ['front', '--jupyter-url', 'http://127.0.0.1:8888/'],
      /front needs --port/
    ],
    [
      'front with both --jupyter-url and a command',
      [
        'front',
        '--port',
        '8000',
        '--jupyter-url',
        'http://127.0.0.1:8888/',
        '--',
        'jupyter',
        'server',
        '--port={port}'
      ],
      /either --jupyter-url URL or "-- <jupyter server command>"/
    ],
    [
      'front with neither --jupyter-url nor a command',
      ['front', '--port', '8000'],
      /either --jupyter-url URL or "-- <jupyter server command>"/
    ],
    [
      'a Jupyter command without {port}',
      ['front', '--port', '8000', '--', 'jupyter', 'server', '--port=8888'],
      /must contain \{port\}/
    ],
    [
      'a port that is not a number',
      ['serve', '--port', 'http'],
      /--port must be a port number \(0-65535\), not "http"/
    ],
    [
      'a port above 65535',
      ['front', '--port', '65536', '--jupyter-url', 'http://127.0.0.1:1/'],
      /--port must be a port number/
    ],
    ['a negative port', ['serve', '--port=-1'], /--port must be a port number/],
    [
      'an unknown command',
      ['start', '--port', '8000'],
      /unknown command "start" \(expected serve or front\)/
    ],
    ['no command', [], /missing command: serve or front/],
    [
      'a bad --log-level',
      ['serve', '--log-level', 'loud'],
      /--log-level must be one of fatal, error, warn, info, debug, trace, silent/
    ],
    ['an unknown flag', ['serve', '--frobnicate'], /frobnicate/],
    ['an extra positional', ['serve', 'now'], /unexpected argument "now"/],
    [
      'serve with a Jupyter command',
      ['serve', '--', 'jupyter', 'server', '--port={port}'],
      /serve does not start or proxy Jupyter/
    ],
    [
      'front with --token',
      [
        'front',
        '--port',
        '8000',
        '--token',
        'x',
        '--jupyter-url',
        'http://127.0.0.1:1/'
      ],
      /--socket and --token are for serve/
    ],
    [
      'a --jupyter-url that is not a URL',
      ['front', '--port', '8000', '--jupyter-url', 'not a url'],
      /--jupyter-url is not a URL/
    ],
    [
      'an https --jupyter-url',
      ['front', '--port', '8000', '--jupyter-url', 'https://127.0.0.1:8888/'],
      /must be an http:\/\/ URL/
    ]
  ])('refuses %s', (_what, argv, message) => {
    expect(refusal(argv).message).toMatch(message);
  });
});

describe('parseCli accepts', () => {
  it('a full serve command line, with defaults for what is left out', () => {
    const args = parseCli(
      [
        'serve',
        '--port',
        '9123',
        '--token-file',
        '/run/user/1000/t',
        '--config',
        '/etc/hpc.json',
        '--log-level',
        'warn'
      ],
      CWD
    ) as IServeArgs;
    expect(args).toEqual({
      mode: 'serve',
      host: '127.0.0.1',
      port: 9123,
      socket: undefined,
      token: undefined,
      tokenFile: '/run/user/1000/t',
      config: '/etc/hpc.json',
      root: CWD,
      basePath: '/',
      logLevel: 'warn'
    });
  });

  it('serve on a socket without a port', () => {
    const args = parseCli(
      ['serve', '--socket', '/tmp/hpc.sock', '--root', '/scratch'],
      CWD
    ) as IServeArgs;
    expect(args.socket).toBe('/tmp/hpc.sock');
    expect(args.port).toBeUndefined();
    expect(args.root).toBe('/scratch');
    expect(args.logLevel).toBe('info');
  });

  it('serve alone listens on a free TCP port', () => {
    const args = parseCli(['serve'], CWD) as IServeArgs;
    expect(args.port).toBe(0);
    expect(args.socket).toBeUndefined();
  });

  it('front with a Jupyter command, kept verbatim after --', () => {
    const command = [
      '/usr/bin/python3',
      '-m',
      'jupyter_server',
      '--port={port}',
      '--ServerApp.base_url={base_url}',
      '--', // a second "--" belongs to the command
      '$(not a shell)'
    ];
    const args = parseCli(
      [
        'front',
        '--port',
        '8888',
        '--base-path',
        '/user/alice/',
        '--',
        ...command
      ],
      CWD
    ) as IFrontArgs;
    expect(args.mode).toBe('front');
    expect(args.port).toBe(8888);
    expect(args.basePath).toBe('/user/alice/');
    expect(args.jupyterCommand).toEqual(command);
    expect(args.jupyterUrl).toBeUndefined();
  });

  it('front with --jupyter-url', () => {
    const args = parseCli(
      ['front', '--port', '0', '--jupyter-url', 'http://127.0.0.1:8889/lab/'],
      CWD
    ) as IFrontArgs;
    expect(args.jupyterUrl).toBe('http://127.0.0.1:8889/lab/');
    expect(args.jupyterCommand).toBeUndefined();
    expect(args.port).toBe(0);
  });

  it('--help and --version whatever else is given', () => {
    expect(parseCli(['--help'], CWD)).toEqual({ mode: 'help' });
    expect(parseCli(['serve', '-h'], CWD)).toEqual({ mode: 'help' });
    expect(parseCli(['--version'], CWD)).toEqual({ mode: 'version' });
  });

  it('documents both commands in the usage text', () => {
    expect(USAGE).toMatch(/hpc-proxy serve/);
    expect(USAGE).toMatch(/hpc-proxy front --port N/);
  });
});
