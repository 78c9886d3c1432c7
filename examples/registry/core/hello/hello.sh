#!/bin/sh
echo "Hello from zoi! (installed offline)"
