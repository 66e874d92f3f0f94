using System.Runtime.InteropServices;

namespace Analytics.Storage.ClickHouse.Embedded;

/// <summary>
/// The part of chDB's C API we use, bound at run time from a <c>libchdb.so</c> whose path is only known after
/// configuration (or after the first-run fetch), so the exports are resolved with <see cref="NativeLibrary"/>.
/// </summary>
internal sealed unsafe class ChdbNative
{
    private ChdbNative(nint handle)
    {
        Connect = (delegate* unmanaged<int, byte**, nint*>)Export(handle, "chdb_connect");
        CloseConnection = (delegate* unmanaged<nint*, void>)Export(handle, "chdb_close_conn");
        QueryWithParams = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, byte**, nuint*, byte**, nuint*, nuint, nint>)Export(handle, "chdb_query_with_params_n");
        ResultBuffer = (delegate* unmanaged<nint, byte*>)Export(handle, "chdb_result_buffer");
        ResultLength = (delegate* unmanaged<nint, nuint>)Export(handle, "chdb_result_length");
        ResultError = (delegate* unmanaged<nint, byte*>)Export(handle, "chdb_result_error");
        DestroyResult = (delegate* unmanaged<nint, void>)Export(handle, "chdb_destroy_query_result");
        SetSignalHandlersEnabled = (delegate* unmanaged<int, void>)Export(handle, "chdb_set_signal_handlers_enabled");
        Shutdown = (delegate* unmanaged<int>)Export(handle, "chdb_shutdown");
    }

    public delegate* unmanaged<int, byte**, nint*> Connect { get; }

    public delegate* unmanaged<nint*, void> CloseConnection { get; }

    public delegate* unmanaged<nint, byte*, nuint, byte*, nuint, byte**, nuint*, byte**, nuint*, nuint, nint> QueryWithParams { get; }

    public delegate* unmanaged<nint, byte*> ResultBuffer { get; }

    public delegate* unmanaged<nint, nuint> ResultLength { get; }

    public delegate* unmanaged<nint, byte*> ResultError { get; }

    public delegate* unmanaged<nint, void> DestroyResult { get; }

    public delegate* unmanaged<int, void> SetSignalHandlersEnabled { get; }

    public delegate* unmanaged<int> Shutdown { get; }

    public static ChdbNative Load(string libraryPath)
    {
        if (!File.Exists(libraryPath))
        {
            throw new ClickHouseException($"The chDB library was not found at '{libraryPath}'. Set ANALYTICS_CHDB_LIBRARY to a libchdb.so, or unset it to fetch the default one.");
        }

        nint handle;
        try
        {
            handle = NativeLibrary.Load(libraryPath);
        }
        catch (DllNotFoundException e)
        {
            throw new ClickHouseException($"The chDB library at '{libraryPath}' could not be loaded: {e.Message}", e);
        }

        return new ChdbNative(handle);
    }

    private static nint Export(nint handle, string name)
        => NativeLibrary.TryGetExport(handle, name, out var address)
            ? address
            : throw new ClickHouseException($"The chDB library has no export '{name}': it is older than this version supports (26.7 or later is needed).");
}
