// Bundle a JupyterLab 4 front end from npm packages (after JupyterLab's
// examples/app and dev_mode/webpack.config.js), with module federation so
// that prebuilt extensions (build-labextension output) can be loaded.
const path = require('path');
const webpack = require('webpack');
const Build = require('@jupyterlab/builder').Build;
const miniSVGDataURI = require('mini-svg-data-uri');
const data = require('./package.json');
// The release's staging/package.json, from npm (@jupyterlab/core-meta).
const core = require('@jupyterlab/core-meta/core.package.json');

// Copy schemas and themes of the core extensions to build/, write build/style.js.
const extensionAssetConfig = Build.ensureAssets({
  packageNames: data.jupyterlab.extensions,
  output: './build'
});

// Shared-module config: every core package that is installed here is
// provided to prebuilt extensions; the core singletons are singletons.
const shared = {};
for (const [pkg, range] of Object.entries(core.resolutions)) {
  try {
    require.resolve(`${pkg}/package.json`);
  } catch (e) {
    continue; // not part of this app
  }
  shared[pkg] = {
    requiredVersion: range,
    singleton: core.jupyterlab.singletonPackages.includes(pkg)
  };
}

module.exports = [
  {
    entry: ['./bootstrap.js'],
    output: {
      path: path.resolve(__dirname, 'build'),
      filename: 'bundle.js',
      chunkFilename: '[name].[contenthash].js'
    },
    bail: true,
    devtool: false,
    mode: process.env.NODE_ENV === 'production' ? 'production' : 'development',
    module: {
      rules: [
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.raw\.css$/, type: 'asset/source' },
        { test: /\.html$/, type: 'asset/resource' },
        { test: /\.md$/, type: 'asset/source' },
        { test: /\.(jpg|png|gif)$/, type: 'asset/resource' },
        { test: /\.js.map$/, type: 'asset/resource' },
        { test: /\.woff2?(\?v=\d+\.\d+\.\d+)?$/, type: 'asset' },
        { test: /\.ttf(\?v=\d+\.\d+\.\d+)?$/, type: 'asset' },
        { test: /\.eot(\?v=\d+\.\d+\.\d+)?$/, type: 'asset/resource' },
        {
          test: /\.svg(\?v=\d+\.\d+\.\d+)?$/,
          issuer: /\.css$/,
          type: 'asset/inline',
          generator: { dataUrl: content => miniSVGDataURI(content.toString()) }
        },
        {
          test: /\.svg(\?v=\d+\.\d+\.\d+)?$/,
          issuer: /\.js$/,
          type: 'asset/source'
        }
      ]
    },
    plugins: [
      new webpack.DefinePlugin({
        process: { cwd: () => '/', env: {} }
      }),
      new webpack.container.ModuleFederationPlugin({
        name: 'CORE_FEDERATION',
        library: {
          type: 'var',
          name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION']
        },
        shared
      })
    ]
  }
].concat(extensionAssetConfig);
