using MudBlazor;

namespace Analytics.Dashboard.Components.Layout;

/// <summary>
/// The dashboard's colours: MudBlazor's theme with our accent, and a dark palette whose text, fields and active tabs
/// keep a contrast of at least 4.5:1 (WCAG AA) on their backgrounds.
/// </summary>
internal static class DashboardTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4340d2",
            Secondary = "#5b5f6e",
            Background = "#f4f5f9",
            Surface = "#ffffff",
            AppbarBackground = "#ffffff",
            AppbarText = "#1f2130",
            TextPrimary = "#1f2130",
            TextSecondary = "#52566a",
            Success = "#1b7f3b",
            Error = "#c62828",
            Warning = "#8a5a00",
            LinesDefault = "#d9dbe4",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#a9a7ff",
            PrimaryContrastText = "#11112a",
            Secondary = "#c3c6d4",
            Background = "#15161d",
            Surface = "#1f2029",
            AppbarBackground = "#1f2029",
            AppbarText = "#eceef5",
            TextPrimary = "#eceef5",
            TextSecondary = "#b9bccb",
            ActionDefault = "#c9ccd9",
            Success = "#6fd68f",
            SuccessContrastText = "#0b2412",
            Error = "#ff8a80",
            ErrorContrastText = "#2b0b0b",
            Warning = "#ffc766",
            WarningContrastText = "#2b1d00",
            LinesDefault = "#3a3c4a",
            LinesInputs = "#8d90a3",
        },
    };
}
