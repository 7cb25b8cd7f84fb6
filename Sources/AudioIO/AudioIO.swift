// AudioIO
